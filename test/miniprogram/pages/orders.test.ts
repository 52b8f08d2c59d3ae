/**
 * @jest-environment jsdom
 */
import { FakeBackend } from '../support/backend';
import { elements, methods, openPage, tap, text } from '../support/page';
import { FakeWx, until } from '../support/wx';

beforeEach(() => jest.resetModules());

test('lists orders with status, total and items; tapping one opens its detail', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status: 'PAID', total: 2800 });
  backend.addOrder({ id: 'o2', status: 'PENDING', total: 1250 });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('orders');
  await until(() => page.data.state === 'ready');
  const shown = text(page);
  expect(shown).toContain('Paid');
  expect(shown).toContain('Awaiting payment');
  expect(shown).toContain('HK$28.00');
  expect(shown).toContain('HK$12.50');
  expect(shown).toContain('No more orders');
  tap(page, '.order');
  await until(() => wx.navigations.length > 0);
  expect(wx.navigations[0]).toEqual({ kind: 'navigateTo', url: '/pages/order-detail/index?id=o2' });
});

test('loads further pages at the bottom without repeating rows', async () => {
  const backend = new FakeBackend();
  for (let i = 1; i <= 25; i++) backend.addOrder({ id: `o${i}` });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('orders');
  await until(() => page.data.state === 'ready');
  expect(page.data.orders).toHaveLength(20);
  expect(text(page)).toContain('Load more');
  methods(page).onReachBottom();
  await until(() => page.data.orders.length === 25);
  expect(new Set(page.data.orders.map((o: { id: string }) => o.id)).size).toBe(25);
  expect(text(page)).toContain('No more orders');
  methods(page).onReachBottom();
  await new Promise((r) => setTimeout(r, 20));
  expect(wx.requests.filter((r) => r.url.includes('/api/orders?'))).toHaveLength(2);
});

test('no orders yet', async () => {
  const backend = new FakeBackend();
  new FakeWx({ network: backend.network, language: 'zh_CN' }).install();
  const page = openPage('orders');
  await until(() => page.data.state === 'empty');
  expect(text(page)).toContain('暫時未有訂單。');
});

test('a 429 shows the rate-limit text and retry reloads', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  backend.override('GET /api/orders', { status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'slow down' } });
  new FakeWx({ network: backend.network }).install();
  const page = openPage('orders');
  await until(() => page.data.state === 'error');
  expect(text(page)).toContain('Too many attempts');
  tap(page, '.state-view >>> .state__retry');
  await until(() => page.data.state === 'ready');
});

const tea = { sku: 'TEA', name: { 'zh-HK': '凍檸茶', en: 'Iced lemon tea' }, unitPrice: 2800, quantity: 1, amount: 2800 };
const refund = (id: string, amount: number, status: 'SUCCESS' | 'PROCESSING') => ({
  id,
  outRefundNo: `RF${id}`,
  amount,
  currency: 'HKD',
  status,
  createdAt: '2026-11-23T03:00:00.000Z',
});

function statusesShown(page: ReturnType<typeof openPage>): string[] {
  return elements(page, '.order').map((row) => row.querySelector('status-tag')?.textContent ?? '');
}

test('a refunded order is not "Paid": Refunded or Partially refunded, as on the order page', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status: 'PAID', total: 2800, refundedAmount: 2800, refunds: [refund('r1', 2800, 'SUCCESS')] });
  backend.addOrder({ id: 'o2', status: 'PAID', total: 2800, refundedAmount: 1000, refunds: [refund('r2', 1000, 'SUCCESS')] });
  backend.addOrder({ id: 'o3', status: 'PAID', total: 2800, refundedAmount: 0, refunds: [refund('r3', 500, 'PROCESSING')] });
  backend.addOrder({ id: 'o4', status: 'FAILED' });
  new FakeWx({ network: backend.network }).install();
  const page = openPage('orders');
  await until(() => page.data.state === 'ready');
  // Newest first: o4, o3, o2, o1.
  expect(statusesShown(page)).toEqual(['Payment failed', 'Paid', 'Partially refunded', 'Refunded']);
});

test('zh-HK refund statuses and item counts', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status: 'PAID', total: 2800, refundedAmount: 2800 });
  backend.addOrder({ id: 'o2', status: 'PAID', total: 5600, refundedAmount: 100, items: [{ ...tea, quantity: 2, amount: 5600 }] });
  const wx = new FakeWx({ network: backend.network, language: 'zh_HK' }).install();
  const page = openPage('orders');
  await until(() => page.data.state === 'ready');
  expect(statusesShown(page)).toEqual(['部分退款', '已退款']);
  expect(text(page)).toContain('2 件商品');
  expect(wx.tabBar.get(1)).toBe('我的訂單');
});

test('item counts use the plural form: "1 item", "3 items"', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  backend.addOrder({ id: 'o2', items: [{ ...tea, quantity: 3, amount: 8400 }], total: 8400 });
  new FakeWx({ network: backend.network }).install();
  const page = openPage('orders');
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('3 items · To2');
  expect(text(page)).toContain('1 item · To1');
  expect(text(page)).not.toContain('1 items');
});
