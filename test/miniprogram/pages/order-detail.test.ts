/**
 * @jest-environment jsdom
 */
import { FakeBackend } from '../support/backend';
import { openPage, tap, text } from '../support/page';
import { FakeWx, until } from '../support/wx';

beforeEach(() => jest.resetModules());

const paidOrder = {
  id: 'o1',
  status: 'PAID' as const,
  total: 6850,
  items: [
    { sku: 'TEA', name: { 'zh-HK': '凍檸茶', en: 'Iced lemon tea' }, unitPrice: 2800, quantity: 2, amount: 5600 },
    { sku: 'TART', name: { 'zh-HK': '蛋撻', en: 'Egg tart' }, unitPrice: 1250, quantity: 1, amount: 1250 },
  ],
  paidAt: '2026-11-23T02:05:00.000Z',
  refundedAmount: 1250,
  refundableAmount: 4600,
  refunds: [
    { id: 'r1', outRefundNo: 'RF1', amount: 1250, currency: 'HKD', status: 'SUCCESS' as const, reason: 'Sold out', createdAt: '2026-11-23T03:00:00.000Z', succeededAt: '2026-11-23T03:01:00.000Z' },
    { id: 'r2', outRefundNo: 'RF2', amount: 1000, currency: 'HKD', status: 'PROCESSING' as const, createdAt: '2026-11-23T03:10:00.000Z' },
  ],
};

function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

test('shows items, payment time, amount paid and each refund with its status', async () => {
  const backend = new FakeBackend();
  backend.addOrder(paidOrder);
  new FakeWx({ network: backend.network }).install();
  const page = openPage('order-detail', { id: 'o1' });
  await until(() => page.data.state === 'ready');
  const shown = text(page);
  expect(shown).toContain('Iced lemon tea × 2');
  expect(shown).toContain('HK$56.00');
  expect(shown).toContain(`Paid at ${localTime(paidOrder.paidAt)}`);
  expect(shown).toContain('Amount paid HK$68.50');
  expect(shown).toContain('Refunded HK$12.50');
  expect(shown).toMatch(/HK\$12\.50 Refunded Sold out/);
  expect(shown).toMatch(/HK\$10\.00 Processing/);
  expect(shown).toContain(`Refunded at ${localTime('2026-11-23T03:01:00.000Z')}`);
  expect(shown).not.toContain('Pay now');
});

test('zh-HK labels and refund statuses', async () => {
  const backend = new FakeBackend();
  backend.addOrder(paidOrder);
  new FakeWx({ network: backend.network, language: 'zh_HK' }).install();
  const page = openPage('order-detail', { id: 'o1' });
  await until(() => page.data.state === 'ready');
  const shown = text(page);
  expect(shown).toContain('凍檸茶 × 2');
  expect(shown).toContain('已付金額 HK$68.50');
  expect(shown).toContain('已退款');
  expect(shown).toContain('處理中');
});

test('an unpaid order has no payment time and offers to pay', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o2' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('order-detail', { id: 'o2' });
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('Awaiting payment');
  expect(text(page)).not.toContain('Paid at');
  expect(text(page)).not.toContain('Refunds');
  tap(page, '.pay');
  await until(() => wx.navigations.length > 0);
  expect(wx.navigations[0]).toEqual({ kind: 'navigateTo', url: '/pages/pay/index?orderId=o2' });
});

test('a paid order without refunds says so', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o3', status: 'PAID', paidAt: '2026-11-23T02:05:00.000Z' });
  new FakeWx({ network: backend.network }).install();
  const page = openPage('order-detail', { id: 'o3' });
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('No refunds');
});

test("someone else's order (404) shows not found", async () => {
  const backend = new FakeBackend();
  new FakeWx({ network: backend.network }).install();
  const page = openPage('order-detail', { id: 'other' });
  await until(() => page.data.state === 'error');
  expect(text(page)).toContain('This order could not be found.');
});
