/**
 * @jest-environment jsdom
 */
import { FakeBackend } from '../support/backend';
import { element, elements, methods, openPage, tap, text } from '../support/page';
import { FakeWx, until } from '../support/wx';

beforeEach(() => jest.resetModules());
afterEach(() => jest.useRealTimers());

test('shows paid only when the backend says PAID', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status: 'PAID', total: 2800, paidAt: '2026-11-23T02:05:00.000Z' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('result', { orderId: 'o1', outcome: 'ok' });
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('Payment successful');
  expect(text(page)).toContain('HK$28.00');
  expect(text(page)).not.toContain('Pay again');
  expect(text(page)).not.toContain('Order again');
  expect(element(page, '.result__status')!.textContent).toBe('Paid');
  tap(page, '.view-order-button');
  await until(() => wx.navigations.length > 0);
  expect(wx.navigations[0]).toEqual({ kind: 'redirectTo', url: '/pages/order-detail/index?id=o1' });
});

test('a sheet that said ok is not trusted: a pending order is asked again until the backend confirms', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('result', { orderId: 'o1', outcome: 'ok' });
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('Checking the payment');
  expect(text(page)).not.toContain('Payment successful');
  backend.orders.get('o1')!.status = 'PAID';
  await until(() => page.data.outcome === 'paid', 10000, 'paid after polling');
  expect(text(page)).toContain('Payment successful');
  expect(wx.requests.filter((r) => r.url.endsWith('/api/orders/o1')).length).toBeGreaterThanOrEqual(1);
});

test('after a sheet that said ok the backend is asked once, waiting: no polling when it answers PAID', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status: 'PAID', total: 2800, paidAt: '2026-11-23T02:05:00.000Z' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('result', { orderId: 'o1', outcome: 'ok' });
  await until(() => page.data.outcome === 'paid');
  await new Promise((r) => setTimeout(r, 700));
  const asks = wx.requests.filter((r) => r.url.includes('/api/orders/o1'));
  expect(asks.map((r) => `${r.method} ${r.url.slice(r.url.indexOf('/api/'))}`)).toEqual(['GET /api/orders/o1?wait=1']);
});

test('still pending after the polls: says so, offers refresh and pay again', async () => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('result', { orderId: 'o1', outcome: 'ok' });
  for (let i = 0; i < 60 && !(page.data.state === 'ready' && !page.data.checking); i++) await jest.advanceTimersByTimeAsync(500);
  jest.useRealTimers();
  expect(page.data.outcome).toBe('pending');
  expect(text(page)).toContain('Payment not confirmed yet');
  expect(text(page)).toContain('Pay again');
  // One waiting ask (the backend answers once it knows), then 7 polls as the fallback.
  expect(wx.requests.filter((r) => r.url.endsWith('/api/orders/o1?wait=1'))).toHaveLength(1);
  expect(wx.requests.filter((r) => r.url.endsWith('/api/orders/o1'))).toHaveLength(7);
  backend.orders.get('o1')!.status = 'PAID';
  tap(page, '.refresh');
  await until(() => page.data.outcome === 'paid');
  expect(text(page)).toContain('Payment successful');
});

test('a failed sheet: the order is shown as the backend has it (awaiting payment, payable again) while asking quietly', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('result', { orderId: 'o1', outcome: 'fail' });
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('Payment not completed');
  expect(text(page)).not.toContain('Checking the payment');
  expect(element(page, '.result__status')!.textContent).toBe('Awaiting payment');
  expect(page.data.polling).toBe(true);
  expect(element(page, '.refresh')).toBeNull(); // still asking by itself
  tap(page, '.pay-again');
  await until(() => wx.navigations.length > 0);
  expect(wx.navigations[0]).toEqual({ kind: 'redirectTo', url: '/pages/pay/index?orderId=o1' });
});

test('a failed sheet, then WeChat Pay reports the payment failed: "Payment failed" as in the list, and order again', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('result', { orderId: 'o1', outcome: 'fail' });
  await until(() => page.data.state === 'ready');
  backend.orders.get('o1')!.status = 'FAILED'; // the backend learnt PAYERROR from its query
  await until(() => page.data.outcome === 'failed', 10000, 'failed after polling');
  expect(page.data.polling).toBe(false);
  const shown = text(page);
  expect(shown).toContain('Payment failed');
  expect(shown).toContain('This order can no longer be paid');
  expect(shown).not.toContain('Pay again');
  expect(shown).not.toContain('Refresh');
  expect(element(page, '.result__status')!.textContent).toBe('Payment failed');
  // One primary action, not a stack of buttons: order again; then two links.
  expect(Array.from(page.dom!.querySelectorAll('wx-button')).map((b) => [b.textContent, b.getAttribute('type')])).toEqual([
    ['Order again', 'primary'],
  ]);
  expect(elements(page, '.link').map((l) => l.textContent)).toEqual(['View order', 'Back to shop']);
  // The orders list says the same.
  const list = openPage('orders');
  await until(() => list.data.state === 'ready');
  expect(elements(list, '.order')[0]!.querySelector('status-tag')!.textContent).toBe('Payment failed');
  // Order again: a new order with the same items, and its pay page.
  tap(page, '.order-again');
  await until(() => wx.navigations.length > 0);
  const post = wx.requests.find((r) => r.method === 'POST' && r.url.endsWith('/api/orders'))!;
  expect((post.data as { items: unknown }).items).toEqual([{ sku: 'TEA', quantity: 1 }]);
  const created = [...backend.orders.values()].find((o) => o.id !== 'o1')!;
  expect(wx.navigations[0]).toEqual({ kind: 'redirectTo', url: `/pages/pay/index?orderId=${created.id}` });
});

test('zh-HK: a failed order says 付款失敗 and offers 重新下單', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status: 'FAILED' });
  new FakeWx({ network: backend.network, language: 'zh_HK' }).install();
  const page = openPage('result', { orderId: 'o1', outcome: 'fail' });
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('付款失敗');
  expect(element(page, '.result__status')!.textContent).toBe('付款失敗');
  expect(element(page, '.order-again')!.textContent).toBe('重新下單');
});

test('a repeated "order again" makes one new order', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status: 'CLOSED' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('result', { orderId: 'o1' });
  await until(() => page.data.state === 'ready');
  tap(page, '.order-again');
  methods(page).onOrderAgain();
  await until(() => wx.navigations.length > 0);
  expect(wx.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/api/orders'))).toHaveLength(1);
  expect(backend.orders.size).toBe(2);
});

test.each([
  ['FAILED', 'Payment failed'],
  ['CLOSED', 'Order cancelled'],
] as const)('status %s is shown as "%s"', async (status, headline) => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status });
  new FakeWx({ network: backend.network }).install();
  const page = openPage('result', { orderId: 'o1', outcome: 'ok' });
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain(headline);
  expect(text(page)).not.toContain('Pay again');
  expect(text(page)).toContain('Order again');
});

test('zh-HK text for a paid order', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status: 'PAID' });
  new FakeWx({ network: backend.network, language: 'zh_HK' }).install();
  const page = openPage('result', { orderId: 'o1' });
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('付款成功');
});

test('an error asking the backend is shown with a retry', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status: 'PAID' });
  backend.override('GET /api/orders/o1', { status: 500, body: { code: 'INTERNAL', message: 'x' } });
  new FakeWx({ network: backend.network }).install();
  const page = openPage('result', { orderId: 'o1' });
  await until(() => page.data.state === 'error');
  expect(text(page)).toContain('The shop had a problem');
  tap(page, '.state-view >>> .state__retry');
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('Payment successful');
});
