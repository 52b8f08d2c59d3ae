/**
 * @jest-environment jsdom
 */
import { FakeBackend } from '../support/backend';
import { element, elements, methods, openPage, tap, text } from '../support/page';
import { FakeWx, parseUrl, until } from '../support/wx';

beforeEach(() => jest.resetModules());

function withCart(wx: FakeWx, items: Record<string, number>, requestId = 'req-fixed-0001'): void {
  wx.storage.set('cart', { items, requestId });
}

test('shows each line with its unit price and amount, and the total before the order is placed', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network }).install();
  withCart(wx, { TEA: 2, TART: 1 });
  const page = openPage('checkout');
  await until(() => page.data.state === 'ready');
  const shown = text(page);
  expect(shown).toContain('Iced lemon tea');
  expect(shown).toContain('HK$28.00 each');
  expect(elements(page, '.line__amount').map((e) => e.textContent)).toEqual(['HK$56.00', 'HK$12.50']);
  expect(element(page, '.total__amount')!.textContent).toBe('HK$68.50');
  expect(shown).toContain('Total (3 items)');
  expect(shown).toContain('Prices are confirmed by the shop when you place the order.');
  expect(shown).not.toContain('calculates the total');
  expect(page.data.rows.map((r: { quantity: number }) => r.quantity)).toEqual([2, 1]);
});

test('changing quantities updates the line amounts and the total at once', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network }).install();
  withCart(wx, { TEA: 1, TART: 2 });
  const page = openPage('checkout');
  await until(() => page.data.state === 'ready');
  expect(element(page, '.total__amount')!.textContent).toBe('HK$53.00');
  tap(page, '.line__plus');
  await until(() => page.data.rows[0].quantity === 2);
  expect(elements(page, '.line__amount').map((e) => e.textContent)).toEqual(['HK$56.00', 'HK$25.00']);
  expect(element(page, '.total__amount')!.textContent).toBe('HK$81.00');
  expect(text(page)).toContain('Total HK$81.00 4 items');
  methods(page).onDelete({ currentTarget: { dataset: { sku: 'TEA' } } });
  expect(element(page, '.total__amount')!.textContent).toBe('HK$25.00');
  methods(page).onMinus({ currentTarget: { dataset: { sku: 'TART' } } });
  expect(text(page)).toContain('Total (1 item)');
});

test('zh-HK: amounts, total and item count in Chinese; the stepper buttons are labelled', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network, language: 'zh_HK' }).install();
  withCart(wx, { TART: 3 });
  const page = openPage('checkout');
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('合計 (3 件商品)');
  expect(element(page, '.total__amount')!.textContent).toBe('HK$37.50');
  expect(element(page, '.line__plus')!.getAttribute('aria-label')).toBe('加一件蛋撻');
  expect(element(page, '.line__minus')!.getAttribute('aria-label')).toBe('減一件蛋撻');
});

test("the place-order button is WeChat's primary button, disabled while the order is being placed", async () => {
  const backend = new FakeBackend();
  let answer: (v: unknown) => void = () => undefined;
  const network = backend.network;
  const wx = new FakeWx({
    network: (req) =>
      req.method === 'POST' && req.url.endsWith('/api/orders') ? new Promise((r) => (answer = () => r(network(req)))) : network(req),
  }).install();
  withCart(wx, { TEA: 1 });
  const page = openPage('checkout');
  await until(() => page.data.state === 'ready');
  const button = () => element(page, '.place-order')!;
  expect(button().getAttribute('type')).toBe('primary');
  expect(button().hasAttribute('disabled')).toBe(false);
  tap(page, '.place-order');
  await until(() => page.data.placing);
  expect(button().getAttribute('disabled')).toBe('true');
  expect(button().getAttribute('loading')).toBe('true');
  expect(element(page, '.line__plus')!.getAttribute('aria-disabled')).toBe('true');
  await until(() => wx.requests.some((r) => r.method === 'POST' && r.url.endsWith('/api/orders')));
  answer(undefined);
  await until(() => wx.navigations.length > 0);
});

test('placing the order sends the cart with its idempotency key, clears the cart and opens the pay page', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network }).install();
  withCart(wx, { TEA: 2 }, 'req-fixed-0001');
  const page = openPage('checkout');
  await until(() => page.data.state === 'ready');
  tap(page, '.place-order');
  await until(() => wx.navigations.length > 0);
  const post = wx.requests.find((r) => r.method === 'POST' && r.url.endsWith('/api/orders'))!;
  expect(post.data).toEqual({ items: [{ sku: 'TEA', quantity: 2 }], clientRequestId: 'req-fixed-0001' });
  expect(post.header.Authorization).toMatch(/^Bearer tok-/);
  const nav = wx.navigations[0]!;
  expect(nav.kind).toBe('redirectTo');
  const { path, query } = parseUrl(nav.url!);
  expect(path).toBe('/pages/pay/index');
  expect(backend.orders.get(query.orderId!)!.total).toBe(5600);
  expect(wx.storage.has('cart')).toBe(false);
});

test('one call to check out: the pay page pays with the answer of POST /api/orders, without fetching or signing again', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network, payment: () => 'requestPayment:ok' }).install();
  withCart(wx, { TEA: 2 }, 'req-fixed-0003');
  const checkout = openPage('checkout');
  await until(() => checkout.data.state === 'ready');
  tap(checkout, '.place-order');
  await until(() => wx.navigations.length > 0);
  const { query } = parseUrl(wx.navigations[0]!.url!);
  const orderId = query.orderId!;
  const pay = openPage('pay', { orderId });
  await until(() => pay.data.state === 'ready');
  expect(text(pay)).toContain('HK$56.00');
  tap(pay, '.pay-button');
  await until(() => wx.navigations.length > 1);
  expect(wx.payments).toEqual([backend.payment(orderId)]);
  const orderCalls = wx.requests.filter((r) => r.url.includes('/api/orders'));
  expect(orderCalls.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(['POST /api/orders']);
  expect(wx.navigations[1]).toEqual({ kind: 'redirectTo', url: `/pages/result/index?orderId=${orderId}&outcome=ok` });
});

test('the checkout answer pays once: after a cancelled sheet the next attempt asks the backend for a fresh paySign', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network, payment: () => 'requestPayment:fail cancel' }).install();
  withCart(wx, { TART: 1 }, 'req-fixed-0004');
  const checkout = openPage('checkout');
  await until(() => checkout.data.state === 'ready');
  tap(checkout, '.place-order');
  await until(() => wx.navigations.length > 0);
  const orderId = parseUrl(wx.navigations[0]!.url!).query.orderId!;
  const pay = openPage('pay', { orderId });
  await until(() => pay.data.state === 'ready');
  tap(pay, '.pay-button');
  await until(() => pay.data.notice);
  expect(wx.requests.some((r) => r.url.endsWith(`/api/orders/${orderId}/pay`))).toBe(false);
  wx.payment = () => 'requestPayment:ok';
  tap(pay, '.pay-button');
  await until(() => wx.navigations.length > 1);
  expect(wx.payments).toHaveLength(2);
  expect(wx.requests.filter((r) => r.method === 'POST' && r.url.endsWith(`/api/orders/${orderId}/pay`))).toHaveLength(1);
});

test('a failed order keeps the cart and its key, so trying again cannot make a second order', async () => {
  const backend = new FakeBackend();
  backend.override('POST /api/orders', { status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'x', retryable: true } });
  const wx = new FakeWx({ network: backend.network }).install();
  withCart(wx, { TART: 1 }, 'req-fixed-0002');
  const page = openPage('checkout');
  await until(() => page.data.state === 'ready');
  tap(page, '.place-order');
  await until(() => page.data.placeError);
  expect(text(page)).toContain('The shop is not available right now');
  expect(page.data.placing).toBe(false);
  tap(page, '.place-order');
  await until(() => wx.navigations.length > 0);
  const posts = wx.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/api/orders'));
  expect(posts.map((p) => (p.data as { clientRequestId: string }).clientRequestId)).toEqual(['req-fixed-0002', 'req-fixed-0002']);
  expect(backend.orders.size).toBe(1);
});

test('a double tap places one order', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network }).install();
  withCart(wx, { TEA: 1 });
  const page = openPage('checkout');
  await until(() => page.data.state === 'ready');
  tap(page, '.place-order');
  methods(page).onPlaceOrder();
  await until(() => wx.navigations.length > 0);
  expect(wx.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/api/orders'))).toHaveLength(1);
});

test('changing a quantity changes the idempotency key; products no longer sold are dropped with a notice', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network }).install();
  withCart(wx, { TEA: 1, OLD: 3 }, 'req-fixed-0003');
  const page = openPage('checkout');
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('no longer available');
  expect(page.data.rows).toHaveLength(1);
  tap(page, '.line__plus');
  await until(() => page.data.rows[0].quantity === 2);
  const cart = wx.storage.get('cart') as { items: Record<string, number>; requestId: string };
  expect(cart.items).toEqual({ TEA: 2 });
  expect(cart.requestId).not.toBe('req-fixed-0003');
  expect(cart.requestId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
});

test('an empty cart says so and offers the catalog', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('checkout');
  await until(() => page.data.state === 'empty');
  expect(text(page)).toContain('Your cart is empty.');
  tap(page, '.browse');
  await until(() => wx.navigations.length > 0);
  expect(wx.navigations[0]!.kind).toBe('navigateBack');
});

test('removing the last line empties the cart', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network }).install();
  withCart(wx, { TART: 1 });
  const page = openPage('checkout');
  await until(() => page.data.state === 'ready');
  tap(page, '.line__delete');
  await until(() => page.data.state === 'empty');
  expect((wx.storage.get('cart') as { items: object }).items).toEqual({});
});
