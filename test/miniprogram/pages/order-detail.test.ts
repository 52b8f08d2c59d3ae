/**
 * @jest-environment jsdom
 */
import { FakeBackend } from '../support/backend';
import { element, methods, openPage, tap, text } from '../support/page';
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
    {
      id: 'r1',
      outRefundNo: 'RF1',
      amount: 1250,
      currency: 'HKD',
      status: 'SUCCESS' as const,
      reason: 'Sold out',
      createdAt: '2026-11-23T03:00:00.000Z',
      succeededAt: '2026-11-23T03:01:00.000Z',
    },
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
  expect(shown).not.toContain('Order again');
});

test('the status says how much came back: partially refunded, then refunded; never just "Paid"', async () => {
  const backend = new FakeBackend();
  backend.addOrder(paidOrder);
  new FakeWx({ network: backend.network }).install();
  const page = openPage('order-detail', { id: 'o1' });
  await until(() => page.data.state === 'ready');
  expect(element(page, '.order-status')!.textContent).toBe('Partially refunded');
  expect(text(page)).toContain('Status Partially refunded');
  const order = backend.orders.get('o1')!;
  order.refundedAmount = order.total;
  order.refunds = order.refunds.map((r) => ({ ...r, status: 'SUCCESS' as const }));
  methods(page).onPullDownRefresh();
  await until(() => page.data.status === 'REFUNDED');
  expect(element(page, '.order-status')!.textContent).toBe('Refunded');
  expect(text(page)).toContain('Refunded HK$68.50');
});

test('a failed order offers "Order again": a new order with the same items, then its pay page', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o9', status: 'FAILED', items: [...paidOrder.items], total: 6850 });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('order-detail', { id: 'o9' });
  await until(() => page.data.state === 'ready');
  expect(element(page, '.order-status')!.textContent).toBe('Payment failed');
  expect(element(page, '.pay')).toBeNull();
  tap(page, '.order-again');
  methods(page).onOrderAgain(); // a double tap
  await until(() => wx.navigations.length > 0);
  const posts = wx.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/api/orders'));
  expect(posts).toHaveLength(1);
  expect((posts[0]!.data as { items: unknown }).items).toEqual([
    { sku: 'TEA', quantity: 2 },
    { sku: 'TART', quantity: 1 },
  ]);
  const created = [...backend.orders.values()].find((o) => o.id !== 'o9')!;
  expect(created.status).toBe('PENDING');
  expect(wx.navigations[0]).toEqual({ kind: 'redirectTo', url: `/pages/pay/index?orderId=${created.id}` });
  expect(backend.orders.get('o9')!.status).toBe('FAILED');
});

test('an expired unpaid order cannot be paid any more: it offers "Order again" (zh-HK)', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o8', expiresAt: '2020-01-01T00:00:00.000Z' });
  new FakeWx({ network: backend.network, language: 'zh_HK' }).install();
  const page = openPage('order-detail', { id: 'o8' });
  await until(() => page.data.state === 'ready');
  expect(element(page, '.pay')).toBeNull();
  expect(element(page, '.order-again')!.textContent).toBe('重新下單');
});

test('order again that fails (a product is gone) says why and can be tried again', async () => {
  const backend = new FakeBackend();
  backend.addOrder({
    id: 'o7',
    status: 'CLOSED',
    items: [{ sku: 'OLD', name: { 'zh-HK': '舊貨', en: 'Retired item' }, unitPrice: 100, quantity: 1, amount: 100 }],
    total: 100,
  });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('order-detail', { id: 'o7' });
  await until(() => page.data.state === 'ready');
  expect(element(page, '.order-status')!.textContent).toBe('Cancelled');
  tap(page, '.order-again');
  await until(() => page.data.actionError);
  expect(text(page)).toContain('A product in your cart is no longer available.');
  expect(page.data.reordering).toBe(false);
  expect(wx.navigations).toHaveLength(0);
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

test('the payer side: the wallet charged in CNY at the rate, and a WeChat Pay discount', async () => {
  const backend = new FakeBackend();
  backend.addOrder({
    ...paidOrder,
    id: 'o7',
    refunds: [],
    refundedAmount: 0,
    total: 5075,
    payerTotal: 4620,
    payerCurrency: 'CNY',
    exchangeRate: 0.9106,
    promotions: [{ name: 'Tea day', amount: 500, wechatpayShare: 300, merchantShare: 200 }],
  });
  new FakeWx({ network: backend.network }).install();
  const page = openPage('order-detail', { id: 'o7' });
  await until(() => page.data.state === 'ready');
  const shown = text(page);
  expect(shown).toContain('charged CNY 46.20 at 0.9106');
  expect(shown).toContain('Discount -HK$5.00');
  expect(shown).toContain('Amount paid HK$45.75');
});
