/**
 * @jest-environment ./test/miniprogram/support/jsdom-node-env.js
 */
// The real Mini Program pages in the simulator runtime against the real backend, sandbox and database:
// log in, order, pay at the sandbox cashier, see "paid" on the result page, then see a refund made through
// the staff API on the order page. Only the platform's edges are stood in for: wx.request is real HTTP
// (the configured base URL mapped to the stack's port). In sandbox mode the Mini Program takes its login code
// from the sandbox through the backend (POST /api/sandbox/login-code), so wx.login must not be called.
import type { AdminRefundView } from '../../shared/api';
import { API_BASE_URL } from './support/generated';
import { startStack, type Stack } from '../support/stack';
import { staffToken } from '../support/staff';
import { element, openPage, tap, text, type Rendered } from './support/page';
import { FakeWx, parseUrl, until, type WxAnswer, type WxRequest } from './support/wx';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    env: { REFUND_RETRY_SCHEDULE_SECONDS: '0.3' },
    sandbox: { settings: { refundSettleDelaySeconds: 0.3 } },
  });
}, 120000);

afterAll(async () => {
  await stack?.stop();
});

/** wx.request as real HTTP to the stack. */
async function http(req: WxRequest): Promise<WxAnswer> {
  if (!req.url.startsWith(API_BASE_URL)) return { fail: 'request:fail url not in domain list' };
  try {
    const res = await fetch(stack.backendUrl + req.url.slice(API_BASE_URL.length), {
      method: req.method,
      headers: req.header,
      body: req.data === undefined ? undefined : JSON.stringify(req.data),
      signal: AbortSignal.timeout(req.timeout ?? 60000),
    });
    const raw = await res.text();
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // not JSON: handed over as text, like wx.request does
    }
    return { status: res.status, body };
  } catch (err) {
    return { fail: (err as Error).name === 'TimeoutError' ? 'request:fail timeout' : `request:fail ${(err as Error).message}` };
  }
}

/** The page a navigation opens, as the framework would (onLoad with the URL's query). */
function follow(wx: FakeWx, index: number, expectedPath: string): Rendered {
  const nav = wx.navigations[index];
  if (!nav?.url) throw new Error(`no navigation #${index}: ${JSON.stringify(wx.navigations)}`);
  const { path, query } = parseUrl(nav.url);
  expect(path).toBe(expectedPath);
  return openPage(path.replace(/^\/pages\/|\/index$/g, ''), query);
}

test('login, order, sandbox pay, result page shows paid, order page shows a staff refund', async () => {
  const wx = new FakeWx({ network: http, language: 'en', loginCode: null }).install();

  // Catalog from the backend's seeded products; two of the first product into the cart.
  const catalog = openPage('catalog');
  await until(() => catalog.data.state === 'ready', 15000, 'catalog');
  expect(text(catalog)).toContain('Hong Kong milk tea');
  expect(text(catalog)).toContain('HK$28.00');
  // The seeded pictures come from the backend, cached.
  const picture = element(catalog, '.product__image')!.getAttribute('src')!;
  expect(picture).toBe(`${API_BASE_URL}/images/products/milk-tea.png`);
  const image = await fetch(stack.backendUrl + picture.slice(API_BASE_URL.length));
  expect([image.status, image.headers.get('content-type'), image.headers.get('cache-control')]).toEqual([
    200,
    'image/png',
    'public, max-age=86400',
  ]);
  tap(catalog, '.stepper__plus');
  await until(() => catalog.data.cartCount === 1);
  tap(catalog, '.stepper__plus');
  await until(() => catalog.data.cartCount === 2);
  expect(text(catalog)).toContain('Total HK$56.00');
  tap(catalog, '.checkout');
  await until(() => wx.navigations.length === 1);

  // Checkout: the backend makes the order (and its total).
  const checkout = follow(wx, 0, '/pages/checkout/index');
  await until(() => checkout.data.state === 'ready', 15000, 'checkout');
  expect(element(checkout, '.total__amount')!.textContent).toBe('HK$56.00');
  tap(checkout, '.place-order');
  await until(() => wx.navigations.length === 2, 15000, 'order placed');
  expect(wx.logins).toBe(0);
  const user = wx.storage.get('sandboxUser') as string;
  const order = await stack.api('GET', `/api/admin/orders/${parseUrl(wx.navigations[1]!.url!).query.orderId}`, {
    token: await staffToken(stack.backendUrl, stack.dbUri, 'mp-e2e-viewer', 'viewer'),
  });
  // The order belongs to the sandbox user this device logged in as.
  expect(order.json.customerOpenid).toBe(await stack.openidOf(user));
  const badUser = await stack.api('POST', '/api/sandbox/login-code', { body: { user: 'not a user name!' } });
  expect([badUser.status, badUser.json.code]).toEqual([400, 'VALIDATION_FAILED']);

  // Pay: sandbox mode, so the sandbox cashier stands in for WeChat's sheet.
  const pay = follow(wx, 1, '/pages/pay/index');
  const orderId = parseUrl(wx.navigations[1]!.url!).query.orderId!;
  await until(() => pay.data.state === 'ready', 15000, 'pay page');
  expect(pay.data.sandbox).toBe(true);
  expect(text(pay)).toContain('HK$56.00');
  tap(pay, '.pay-button');
  await until(() => wx.navigations.length === 3, 15000, 'cashier opened');
  const cashier = follow(wx, 2, '/pages/sandbox-cashier/index');
  await until(() => cashier.data.state === 'ready', 15000, 'cashier');
  expect(text(cashier)).toContain('HK$56.00');
  tap(cashier, '.cashier-pay');
  await until(() => wx.navigations.length === 5, 15000, 'back from the cashier to the result page');
  expect(wx.navigations[3]).toEqual({ kind: 'navigateBack', delta: 1 });
  expect(wx.payments).toHaveLength(0);

  // Result: whatever the cashier said, the page shows what the backend knows.
  const result = follow(wx, 4, '/pages/result/index');
  await until(() => result.data.outcome === 'paid', 20000, 'result page shows paid');
  const resultText = text(result);
  expect(resultText).toContain('Payment successful');
  expect(resultText).toContain('Amount HK$56.00');

  // A partial refund made by staff, settled by the sandbox's REFUND.SUCCESS notification.
  const admin = await staffToken(stack.backendUrl, stack.dbUri, 'mp-e2e-admin', 'admin');
  const refund = await stack.api('POST', `/api/admin/orders/${orderId}/refunds`, {
    token: admin,
    body: { amount: 1500, reason: 'One cup spilled', requestId: `mp-e2e-${Date.now()}` },
  });
  expect(refund.status).toBe(201);
  const refundId = (refund.json as AdminRefundView).id;
  const deadline = Date.now() + 20000;
  for (;;) {
    const r = await stack.api('GET', `/api/admin/refunds/${refundId}`, { token: admin });
    if ((r.json as AdminRefundView).status === 'SUCCESS') break;
    if (Date.now() > deadline) throw new Error(`refund still ${(r.json as AdminRefundView).status}`);
    await new Promise((res) => setTimeout(res, 200));
  }

  // Order detail, from the result page's "View order".
  tap(result, '.view-order-button');
  await until(() => wx.navigations.length === 6);
  const detail = follow(wx, 5, '/pages/order-detail/index');
  await until(() => detail.data.state === 'ready', 15000, 'order detail');
  const shown = text(detail);
  expect(shown).toContain('Status Partially refunded');
  expect(shown).toContain('Hong Kong milk tea × 2 HK$56.00');
  expect(shown).toMatch(/Paid at \d{4}-\d\d-\d\d \d\d:\d\d/);
  expect(shown).toContain('Amount paid HK$56.00');
  expect(shown).toContain('Refunded HK$15.00');
  expect(shown).toContain('HK$15.00 Refunded One cup spilled');
  expect(shown).toMatch(/Refunded at \d{4}-\d\d-\d\d \d\d:\d\d/);

  // My orders lists it, in the customer's language (here: Chinese system language -> zh-HK).
  wx.language = 'zh_HK';
  const orders = openPage('orders');
  await until(() => orders.data.state === 'ready', 15000, 'orders');
  const listed = text(orders);
  expect(listed).toContain('部分退款');
  expect(listed).toContain('港式奶茶');
  expect(listed).toContain('HK$56.00');
}, 180000);

test('a failed payment: the result page, the list and the staff side agree, and "order again" makes a new order', async () => {
  const wx = new FakeWx({ network: http, language: 'en', loginCode: null }).install();
  wx.storage.set('cart', { items: { 'egg-tart': 2 }, requestId: `mp-e2e-fail-${Date.now()}` });
  const checkout = openPage('checkout');
  await until(() => checkout.data.state === 'ready', 15000, 'checkout');
  tap(checkout, '.place-order');
  await until(() => wx.navigations.length === 1, 15000, 'order placed');
  const pay = follow(wx, 0, '/pages/pay/index');
  const orderId = parseUrl(wx.navigations[0]!.url!).query.orderId!;
  await until(() => pay.data.state === 'ready', 15000, 'pay page');
  tap(pay, '.pay-button');
  await until(() => wx.navigations.length === 2, 15000, 'cashier opened');
  const cashier = follow(wx, 1, '/pages/sandbox-cashier/index');
  await until(() => cashier.data.state === 'ready', 15000, 'cashier');
  tap(cashier, '.cashier-fail');
  await until(() => wx.navigations.length === 4, 15000, 'back to the result page');
  const result = follow(wx, 3, '/pages/result/index');
  // The backend learns PAYERROR by asking WeChat Pay; the result page keeps asking until it knows.
  await until(() => result.data.outcome === 'failed', 20000, 'result page shows the failure');
  expect(element(result, '.result__status')!.textContent).toBe('Payment failed');
  expect(text(result)).not.toContain('Pay again');
  const viewer = await staffToken(stack.backendUrl, stack.dbUri, 'mp-e2e-viewer2', 'viewer');
  expect((await stack.api('GET', `/api/admin/orders/${orderId}`, { token: viewer })).json.status).toBe('FAILED');
  const orders = openPage('orders');
  await until(() => orders.data.state === 'ready', 15000, 'orders');
  expect(orders.data.orders.find((o: { id: string }) => o.id === orderId).status).toBe('FAILED');
  expect(text(orders)).toContain('Payment failed');

  tap(result, '.order-again');
  await until(() => wx.navigations.length === 5, 15000, 'new order placed');
  const again = follow(wx, 4, '/pages/pay/index');
  const newId = parseUrl(wx.navigations[4]!.url!).query.orderId!;
  expect(newId).not.toBe(orderId);
  await until(() => again.data.state === 'ready', 15000, 'pay page of the new order');
  expect(text(again)).toContain('Egg tart × 2');
  expect(text(again)).toContain('HK$19.00');
}, 120000);
