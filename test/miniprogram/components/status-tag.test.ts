/**
 * @jest-environment jsdom
 */
import { render, text } from '../support/page';
import { FakeWx } from '../support/wx';

beforeEach(() => jest.resetModules());

test('order and refund statuses have their own words and tones', () => {
  new FakeWx({ language: 'en' }).install();
  const comp = render('components/status-tag/index', { status: 'PENDING', kind: 'order' });
  expect(text(comp)).toBe('Awaiting payment');
  expect(comp.data.tone).toBe('wait');
  comp.setData({ kind: 'refund' });
  expect(text(comp)).toBe('Requested');
  comp.setData({ status: 'SUCCESS' });
  expect([text(comp), comp.data.tone]).toEqual(['Refunded', 'good']);
  comp.setData({ status: 'ABNORMAL' });
  expect([text(comp), comp.data.tone]).toEqual(['Needs attention', 'bad']);
  comp.setData({ kind: 'order', status: 'CLOSED' });
  expect([text(comp), comp.data.tone]).toEqual(['Cancelled', 'off']);
});

test('zh-HK, and an unknown status shown as is', () => {
  new FakeWx({ language: 'zh_HK' }).install();
  const comp = render('components/status-tag/index', { status: 'PAID', kind: 'order' });
  expect(text(comp)).toBe('已付款');
  comp.setData({ status: 'SOMETHING_NEW' });
  expect(text(comp)).toBe('SOMETHING_NEW');
});
