/**
 * @jest-environment jsdom
 */
import { FakeBackend } from '../support/backend';
import { openPage, tap, text } from '../support/page';
import { FakeWx, parseUrl, until } from '../support/wx';

beforeEach(() => jest.resetModules());

async function payPage(backend: FakeBackend, wx: FakeWx, orderId = 'o1') {
  const page = openPage('pay', { orderId });
  await until(() => page.data.state === 'ready', 10000, 'pay page ready');
  return page;
}

test('shows the server total and calls wx.requestPayment with exactly the backend parameters', async () => {
  const backend = new FakeBackend();
  backend.addOrder({
    id: 'o1',
    total: 5600,
    items: [{ sku: 'TEA', name: { 'zh-HK': '凍檸茶', en: 'Iced lemon tea' }, unitPrice: 2800, quantity: 2, amount: 5600 }],
  });
  const wx = new FakeWx({ network: backend.network, payment: () => 'requestPayment:ok' }).install();
  const page = await payPage(backend, wx);
  expect(text(page)).toContain('HK$56.00');
  expect(text(page)).toContain('Iced lemon tea × 2');
  tap(page, '.pay-button');
  await until(() => wx.navigations.length > 0);
  expect(wx.payments).toEqual([backend.payment('o1')]);
  expect(wx.requests.some((r) => r.method === 'POST' && r.url.endsWith('/api/orders/o1/pay'))).toBe(true);
  // The sheet said ok; only the result page (asking the backend) may say "paid".
  expect(wx.navigations[0]).toEqual({ kind: 'redirectTo', url: '/pages/result/index?orderId=o1&outcome=ok' });
});

test('"requestPayment:fail cancel" is a normal outcome: the page stays, says so, and can pay again', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network, payment: () => 'requestPayment:fail cancel' }).install();
  const page = await payPage(backend, wx);
  tap(page, '.pay-button');
  await until(() => page.data.notice);
  expect(text(page)).toContain('Payment cancelled');
  expect(page.data.state).toBe('ready');
  expect(page.data.payError).toBe('');
  expect(wx.navigations).toEqual([]);
  wx.payment = () => 'requestPayment:ok';
  tap(page, '.pay-button');
  await until(() => wx.navigations.length > 0);
  expect(wx.payments).toHaveLength(2);
});

test('a cancelled sheet whose payment went through anyway goes to the result page', async () => {
  const backend = new FakeBackend();
  const order = backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({
    network: backend.network,
    payment: () => {
      backend.orders.get(order.id)!.status = 'PAID';
      return 'requestPayment:fail cancel';
    },
  }).install();
  const page = await payPage(backend, wx);
  tap(page, '.pay-button');
  await until(() => wx.navigations.length > 0);
  expect(parseUrl(wx.navigations[0]!.url!).path).toBe('/pages/result/index');
});

test('a failing sheet goes to the result page, which will ask the backend', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network, payment: () => 'requestPayment:fail insufficient balance' }).install();
  const page = await payPage(backend, wx);
  tap(page, '.pay-button');
  await until(() => wx.navigations.length > 0);
  expect(wx.navigations[0]!.url).toBe('/pages/result/index?orderId=o1&outcome=fail');
});

test('an order that is no longer payable is shown on the result page', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status: 'CLOSED' });
  const wx = new FakeWx({ network: backend.network }).install();
  openPage('pay', { orderId: 'o1' });
  await until(() => wx.navigations.length > 0);
  expect(wx.navigations[0]!.url).toBe('/pages/result/index?orderId=o1&outcome=none');
});

test('a backend error while preparing payment is shown and the button works again', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  backend.override('POST /api/orders/o1/pay', { status: 502, body: { code: 'PAYMENT_PROVIDER_ERROR', message: 'x' } });
  const wx = new FakeWx({ network: backend.network, payment: () => 'requestPayment:ok' }).install();
  const page = await payPage(backend, wx);
  tap(page, '.pay-button');
  await until(() => page.data.payError);
  expect(text(page)).toContain('WeChat Pay had a problem');
  expect(wx.payments).toHaveLength(0);
  tap(page, '.pay-button');
  await until(() => wx.navigations.length > 0);
  expect(wx.payments).toHaveLength(1);
});

test('an unknown order shows the 404 text with a retry', async () => {
  const backend = new FakeBackend();
  new FakeWx({ network: backend.network }).install();
  const page = openPage('pay', { orderId: 'nope' });
  await until(() => page.data.state === 'error');
  expect(text(page)).toContain('This order could not be found.');
  expect(text(page)).toContain('Try again');
});

test('in sandbox mode the sandbox cashier stands in for the sheet; paying there goes through the backend', async () => {
  const backend = new FakeBackend({ sandbox: true });
  backend.addOrder({ id: 'o1', total: 1250 });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = await payPage(backend, wx);
  expect(text(page)).toContain('Sandbox: no real money moves.');
  tap(page, '.pay-button');
  await until(() => wx.navigations.length > 0);
  expect(wx.payments).toHaveLength(0); // wx.requestPayment is not used
  const nav = parseUrl(wx.navigations[0]!.url!);
  expect(wx.navigations[0]!.kind).toBe('navigateTo');
  expect(nav.path).toBe('/pages/sandbox-cashier/index');

  const cashier = openPage('sandbox-cashier', nav.query);
  await until(() => cashier.data.state === 'ready');
  expect(text(cashier)).toContain('Demo Shop');
  expect(text(cashier)).toContain('HK$12.50');
  tap(cashier, '.cashier-pay');
  await until(() => wx.navigations.length >= 3);
  const call = wx.requests.find((r) => r.url.endsWith('/api/sandbox/cashier'))!;
  expect(call.data).toEqual({ orderId: 'o1', payment: backend.payment('o1'), action: 'pay' });
  expect(wx.navigations[1]).toEqual({ kind: 'navigateBack', delta: 1 });
  expect(wx.navigations[2]).toEqual({ kind: 'redirectTo', url: '/pages/result/index?orderId=o1&outcome=ok' });
});

test('cancelling in the sandbox cashier is a cancel on the pay page', async () => {
  const backend = new FakeBackend({ sandbox: true });
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = await payPage(backend, wx);
  tap(page, '.pay-button');
  await until(() => wx.navigations.length > 0);
  const cashier = openPage('sandbox-cashier', parseUrl(wx.navigations[0]!.url!).query);
  await until(() => cashier.data.state === 'ready');
  tap(cashier, '.cashier-cancel');
  await until(() => page.data.notice);
  expect(text(page)).toContain('Payment cancelled');
  expect(wx.navigations.map((n) => n.kind)).toEqual(['navigateTo', 'navigateBack']);
});

test('leaving the sandbox cashier without choosing counts as cancelling', async () => {
  const backend = new FakeBackend({ sandbox: true });
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = await payPage(backend, wx);
  tap(page, '.pay-button');
  await until(() => wx.navigations.length > 0);
  const cashier = openPage('sandbox-cashier', parseUrl(wx.navigations[0]!.url!).query);
  await until(() => cashier.data.state === 'ready');
  (cashier.instance as unknown as { onUnload(): void }).onUnload();
  await until(() => page.data.notice);
  expect(page.data.paying).toBe(false);
  expect(backend.orders.get('o1')!.status).toBe('PENDING');
});

test('a simulated failure in the sandbox cashier goes to the result page with outcome fail', async () => {
  const backend = new FakeBackend({ sandbox: true });
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network, language: 'zh_TW' }).install();
  const page = await payPage(backend, wx);
  tap(page, '.pay-button');
  await until(() => wx.navigations.length > 0);
  const cashier = openPage('sandbox-cashier', parseUrl(wx.navigations[0]!.url!).query);
  await until(() => cashier.data.state === 'ready');
  expect(text(cashier)).toContain('沙盒模式');
  tap(cashier, '.cashier-fail');
  await until(() => wx.navigations.length >= 3);
  expect(wx.navigations[2]!.url).toBe('/pages/result/index?orderId=o1&outcome=fail');
});

test('the sandbox cashier opened with no payment waiting says so', async () => {
  const backend = new FakeBackend({ sandbox: true });
  new FakeWx({ network: backend.network }).install();
  const cashier = openPage('sandbox-cashier', { orderId: 'o1' });
  await until(() => cashier.data.state === 'error');
  expect(text(cashier)).toContain('No payment is waiting here.');
  expect(text(cashier)).not.toContain('Try again');
});

test('a cashier call that fails leaves the payment open for another choice', async () => {
  const backend = new FakeBackend({ sandbox: true });
  backend.addOrder({ id: 'o1' });
  backend.override('POST /api/sandbox/cashier', { fail: 'request:fail timeout' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = await payPage(backend, wx);
  tap(page, '.pay-button');
  await until(() => wx.navigations.length > 0);
  const cashier = openPage('sandbox-cashier', parseUrl(wx.navigations[0]!.url!).query);
  await until(() => cashier.data.state === 'ready');
  tap(cashier, '.cashier-pay');
  await until(() => cashier.data.actionError);
  expect(text(cashier)).toContain('took too long');
  tap(cashier, '.cashier-pay');
  await until(() => wx.navigations.length >= 3);
  expect(wx.navigations[2]!.url).toBe('/pages/result/index?orderId=o1&outcome=ok');
  expect(page.data.paying).toBe(true);
});

test('the cashier page unloading on its way back keeps the choice made there', async () => {
  const backend = new FakeBackend({ sandbox: true });
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = await payPage(backend, wx);
  tap(page, '.pay-button');
  await until(() => wx.navigations.length > 0);
  const cashier = openPage('sandbox-cashier', parseUrl(wx.navigations[0]!.url!).query);
  await until(() => cashier.data.state === 'ready');
  tap(cashier, '.cashier-pay');
  await until(() => cashier.data.chosen === 'ok');
  (cashier.instance as unknown as { onUnload(): void }).onUnload(); // navigateBack unloads the page
  await until(() => wx.navigations.some((n) => n.kind === 'redirectTo'));
  expect(wx.navigations.find((n) => n.kind === 'redirectTo')!.url).toBe('/pages/result/index?orderId=o1&outcome=ok');
  expect(page.data.notice).toBe('');
});
