/**
 * @jest-environment jsdom
 */
import { render, tap, text } from '../support/page';
import { FakeWx, until } from '../support/wx';

beforeEach(() => jest.resetModules());

test('loading, empty and error states; retry is emitted only from the error state', async () => {
  new FakeWx({ language: 'en' }).install();
  const comp = render('components/state-view/index', { state: 'loading' });
  expect(text(comp)).toBe('Loading…');
  const retries: unknown[] = [];
  comp.addEventListener('retry', (e: unknown) => retries.push(e));

  comp.setData({ state: 'empty', message: 'Nothing here' });
  expect(text(comp)).toBe('Nothing here');
  expect(comp.querySelector('.state__retry')).toBeUndefined();

  comp.setData({ state: 'error', message: 'Broken' });
  expect(text(comp)).toBe('Broken Try again');
  tap(comp, '.state__retry');
  await until(() => retries.length === 1);
  (comp.instance as unknown as { onRetry(): void }).onRetry();
  expect(retries).toHaveLength(2);

  comp.setData({ state: 'ready' });
  (comp.instance as unknown as { onRetry(): void }).onRetry();
  expect(retries).toHaveLength(2);
  expect(text(comp)).toBe('');
});

test('the retry button can be hidden, and the texts follow the language', () => {
  new FakeWx({ language: 'zh_HK' }).install();
  const comp = render('components/state-view/index', { state: 'loading' });
  expect(text(comp)).toBe('載入中…');
  comp.setData({ state: 'error', message: '錯誤', retry: false });
  expect(text(comp)).toBe('錯誤');
});
