/**
 * @jest-environment jsdom
 */
import { FakeBackend } from '../support/backend';
import { openPage, tap, text } from '../support/page';
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
  tap(page, '.view-order');
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
  expect(wx.requests.filter((r) => r.url.endsWith('/api/orders/o1')).length).toBeGreaterThanOrEqual(2);
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
  expect(wx.requests.filter((r) => r.url.endsWith('/api/orders/o1'))).toHaveLength(6); // first ask + 5 polls
  backend.orders.get('o1')!.status = 'PAID';
  tap(page, '.refresh');
  await until(() => page.data.outcome === 'paid');
  expect(text(page)).toContain('Payment successful');
});

test('a failed sheet on an unpaid order: failed text and pay again, without polling', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('result', { orderId: 'o1', outcome: 'fail' });
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('Payment failed');
  tap(page, '.pay-again');
  await until(() => wx.navigations.length > 0);
  expect(wx.navigations[0]).toEqual({ kind: 'redirectTo', url: '/pages/pay/index?orderId=o1' });
  expect(wx.requests.filter((r) => r.url.endsWith('/api/orders/o1'))).toHaveLength(1);
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
