// The staff console in Debian's Chromium against the real stack (backend + sandbox + database as processes):
// log in, find a paid order, refund part of it and watch it succeed; an over-refund is refused in plain words;
// the viewer sees no refund button and the API refuses anyway; zh-HK; close; POS charge.
import mongoose from 'mongoose';
import type { Page } from 'playwright-core';
import type { AdminOrderView, CreateOrderResponse, OrderView, StaffLoginResponse } from '../../shared/api';
import { startStack, type Stack } from '../support/stack';
import { seedStaff } from '../support/staff';
import { launchChromium, shot, type Browser } from './support/browser';
import { expectText } from './support/console-page';

jest.setTimeout(120_000);

const ADMIN = { username: 'console-admin', password: 'console-admin-password-1', role: 'admin' as const };
const VIEWER = { username: 'console-viewer', password: 'console-viewer-password-1', role: 'viewer' as const };
const CASHIER = { username: 'console-cashier', password: 'console-cashier-password-1', role: 'cashier' as const };

let stack: Stack;
let browser: Browser;
let adminToken: string;

beforeAll(async () => {
  // Refunds settle one (simulated) second after WeChat accepts them.
  stack = await startStack({ sandbox: { settings: { refundSettleDelaySeconds: 1 } } });
  for (const s of [ADMIN, VIEWER, CASHIER]) await seedStaff(stack.dbUri, s.username, s.role, s.password);
  adminToken = (await staffLogin(ADMIN)).token;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});
afterEach(() => {
  // No CSP violation and no uncaught script error in any test (each test answers for its own).
  const errors = browser.pageErrors.splice(0);
  expect(errors).toEqual([]);
});

async function staffLogin(who: { username: string; password: string }): Promise<StaffLoginResponse> {
  const r = await stack.api('POST', '/api/admin/login', { body: { username: who.username, password: who.password } });
  if (r.status !== 200) throw new Error(`staff login failed: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json as StaffLoginResponse;
}

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 150));
  }
}

let orderSeq = 0;
/** A customer order through the real customer API, paid (or not) through the sandbox cashier. */
async function customerOrder(items: { sku: string; quantity: number }[], pay: boolean): Promise<OrderView> {
  const token = await stack.loginCustomer('console-customer');
  const created = await stack.api('POST', '/api/orders', {
    token,
    body: { items, clientRequestId: `console-${Date.now()}-${orderSeq++}` },
  });
  expect(created.status).toBe(201);
  const { order, payment } = created.json as CreateOrderResponse;
  if (!pay) return order;
  const paid = await stack.api('POST', '/api/sandbox/cashier', { token, body: { orderId: order.id, payment, action: 'pay' } });
  expect(paid.json).toEqual({ result: 'ok' });
  return waitFor(async () => {
    const r = await stack.api('GET', `/api/orders/${order.id}`, { token });
    return r.json.status === 'PAID' ? (r.json as OrderView) : undefined;
  });
}

async function adminOrder(id: string): Promise<AdminOrderView> {
  const r = await stack.api('GET', `/api/admin/orders/${id}`, { token: adminToken });
  expect(r.status).toBe(200);
  return r.json as AdminOrderView;
}

async function login(page: Page, who: { username: string; password: string }): Promise<void> {
  await page.goto(`${stack.backendUrl}/admin/`);
  await page.getByTestId('lang').selectOption('en'); // the choice is remembered across tabs; start from English
  await page.getByTestId('login-username').fill(who.username);
  await page.getByTestId('login-password').fill(who.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('nav').waitFor();
}

async function openOrderBySearch(page: Page, outTradeNo: string): Promise<void> {
  await page.getByTestId('nav-orders').click();
  await page.getByTestId('filter-out-trade-no').fill(outTradeNo);
  await page.getByTestId('orders-search').click();
  await page.waitForURL((url) => url.hash.includes(`q=${outTradeNo}`));
  const link = page.getByTestId('order-link');
  await expectText(link, outTradeNo);
  expect(await link.count()).toBe(1);
  await link.click();
  await page.getByTestId('order-summary').waitFor();
}

test('admin logs in, finds a paid order, refunds part of it and sees it succeed', async () => {
  const order = await customerOrder([{ sku: 'milk-tea', quantity: 2 }], true); // HK$56.00
  const page = await browser.newPage();
  await login(page, ADMIN);

  // The token lives in sessionStorage only.
  // (Strings, not functions: this file is type-checked without the DOM library.)
  const storage = await page.evaluate<{ session: string; local: string }>(
    `({ session: sessionStorage.getItem('console.session') ?? '', local: JSON.stringify(localStorage) })`,
  );
  expect(JSON.parse(storage.session)).toMatchObject({ username: ADMIN.username, role: 'admin', token: expect.any(String) });
  expect(storage.local).not.toContain(JSON.parse(storage.session).token);

  await openOrderBySearch(page, order.outTradeNo);
  await expectText(page.getByTestId('order-total'), 'HK$56.00');
  await expectText(page.getByTestId('order-status'), 'Paid');
  await shot(page, 'order-detail');

  await page.getByTestId('refund-button').click();
  // The amount defaults to what is left to refund, in major units.
  expect(await page.getByTestId('refund-amount').inputValue()).toBe('56.00');
  // More decimals than HKD has are refused before anything is sent.
  await page.getByTestId('refund-amount').fill('1.234');
  await page.getByTestId('refund-review').click();
  await expectText(page.getByTestId('refund-error'), 'at most 2 decimal places');

  await page.getByTestId('refund-amount').fill('20.5');
  await page.getByTestId('refund-reason').fill('straw missing');
  await page.getByTestId('refund-review').click();
  await expectText(page.getByTestId('refund-confirm-text'), `Refund HK$20.50 of order ${order.outTradeNo}?`);
  await shot(page, 'refund-confirm');
  // Double submit: two fast clicks must create one refund.
  await page.getByTestId('refund-confirm').dblclick();

  await page.locator('[data-testid="refund-progress"][data-status="SUCCESS"]').waitFor({ timeout: 60_000 });
  await expectText(page.getByTestId('refund-result'), 'The refund has succeeded.');
  await expectText(page.getByTestId('order-refunded'), 'HK$20.50');
  await expectText(page.getByTestId('order-refundable'), 'HK$35.50');
  await shot(page, 'refund-succeeded');

  const after = await adminOrder(order.id);
  expect(after.refunds).toHaveLength(1);
  expect(after.refunds[0]).toMatchObject({ amount: 2050, status: 'SUCCESS', reason: 'straw missing' });
  expect(after).toMatchObject({ refundedAmount: 2050, refundableAmount: 5600 - 2050 });
  expect(after.audit.some((a) => a.actor === ADMIN.username && a.action === 'refund.create')).toBe(true);
  await page.close();
});

test('an over-refund is refused with a clear message, by the form and by the API', async () => {
  const order = await customerOrder([{ sku: 'egg-tart', quantity: 2 }], true); // HK$19.00
  const page = await browser.newPage();
  await login(page, ADMIN);
  await page.goto(`${stack.backendUrl}/admin/#/orders/${order.id}`);
  await page.getByTestId('refund-button').click();

  await page.getByTestId('refund-amount').fill('19.01');
  await page.getByTestId('refund-review').click();
  await expectText(page.getByTestId('refund-error'), 'At most HK$19.00 can be refunded.');

  // The full amount passes the form; meanwhile another staff member refunds HK$1.00, so the API must refuse.
  await page.getByTestId('refund-amount').fill('19.00');
  await page.getByTestId('refund-review').click();
  await page.getByTestId('refund-confirm').waitFor();
  const other = await stack.api('POST', `/api/admin/orders/${order.id}/refunds`, {
    token: adminToken,
    body: { amount: 100, requestId: `other-${Date.now()}` },
  });
  expect(other.status).toBe(201);
  await page.getByTestId('refund-confirm').click();
  await expectText(page.getByTestId('refund-error'), 'The amount is more than what is left to refund on this order.');
  // The form now offers what is really left, and the order under it is reloaded.
  expect(await page.getByTestId('refund-amount').inputValue()).toBe('18.00');
  await expectText(page.getByTestId('refund-max'), 'Up to HK$18.00');
  await expectText(page.getByTestId('order-refundable'), 'HK$18.00');
  await shot(page, 'over-refund');

  const after = await adminOrder(order.id);
  expect(after.refunds.map((r) => r.amount)).toEqual([100]);
  await page.close();
});

test('a refund WeChat Pay holds back or closes is explained in plain words', async () => {
  const order = await customerOrder([{ sku: 'wonton-noodles', quantity: 1 }], true); // HK$42.00
  const page = await browser.newPage();
  await login(page, ADMIN);

  // WeChat Pay answers NOT_ENOUGH once: the refund stays pending (retried later) and the reason is shown.
  await stack.sandbox.admin.faults({ arm: [{ fault: 'not-enough', path: '/v3/global/refunds', method: 'POST', times: 1 }] });
  await page.goto(`${stack.backendUrl}/admin/#/orders/${order.id}`);
  await page.getByTestId('refund-button').click();
  await page.getByTestId('refund-amount').fill('10');
  await page.getByTestId('refund-review').click();
  await page.getByTestId('refund-confirm').click();
  await expectText(page.getByTestId('refund-progress'), 'Waiting to be sent');
  await expectText(page.getByTestId('refund-result'), 'refundable balance at WeChat Pay is not enough today; it will be retried');
  await shot(page, 'refund-not-enough');

  // A refund WeChat Pay closes: final, and the person is told the money did not move.
  await page.goto(`${stack.backendUrl}/admin/#/orders/${order.id}?again=1`);
  await page.getByTestId('refund-button').click();
  await page.getByTestId('refund-amount').fill('5');
  await page.getByTestId('refund-reason').fill('sandbox:refund-closed');
  await page.getByTestId('refund-review').click();
  await page.getByTestId('refund-confirm').click();
  await page.locator('[data-testid="refund-progress"][data-status="CLOSED"]').waitFor({ timeout: 60_000 });
  await expectText(page.getByTestId('refund-result'), 'The refund was closed without money moving');
  await page.close();
});

test('confirming again after the connection dropped mid-refund does not refund twice', async () => {
  const order = await customerOrder([{ sku: 'milk-tea', quantity: 3 }], true); // HK$84.00
  const page = await browser.newPage();
  await login(page, ADMIN);
  await page.goto(`${stack.backendUrl}/admin/#/orders/${order.id}`);
  await page.getByTestId('refund-button').click();
  await page.getByTestId('refund-amount').fill('7');
  await page.getByTestId('refund-review').click();
  // WeChat Pay answers slowly; the backend dies while the console waits for it.
  await stack.sandbox.admin.faults({ arm: [{ fault: 'delay:3000', path: '/v3/global/refunds', method: 'POST', times: 1 }] });
  await page.getByTestId('refund-confirm').click();
  await waitFor(async () => ((await adminOrder(order.id)).refunds.length === 1 ? true : undefined));
  await stack.killBackend('SIGKILL');
  await expectText(page.locator('[data-testid="refund-confirm-form"] [data-testid="refund-error"]'), 'Cannot reach the server');
  await stack.restartBackend();
  // Same confirmation, same requestId: the backend answers the refund it already has.
  await page.getByTestId('refund-confirm').click();
  await page.getByTestId('refund-progress').waitFor();
  await expectText(page.getByTestId('refund-progress'), 'Refund HK$7.00');
  const after = await adminOrder(order.id);
  expect(after.refunds.map((r) => r.amount)).toEqual([700]);
  expect(after.refundableAmount).toBe(8400 - 700);
  await page.close();
});

test('the viewer sees no refund button, and the API refuses the refund anyway', async () => {
  const order = await customerOrder([{ sku: 'pineapple-bun', quantity: 1 }], true);
  const page = await browser.newPage();
  await login(page, VIEWER);
  await expectText(page.getByTestId('who'), 'Viewer');
  expect(await page.getByTestId('nav-pos').count()).toBe(0);
  await openOrderBySearch(page, order.outTradeNo);
  await expectText(page.getByTestId('order-status'), 'Paid');
  expect(await page.getByTestId('refund-button').count()).toBe(0);
  expect(await page.getByTestId('close-button').count()).toBe(0);
  await shot(page, 'viewer-order');

  const viewer = await staffLogin(VIEWER);
  const refused = await stack.api('POST', `/api/admin/orders/${order.id}/refunds`, {
    token: viewer.token,
    body: { amount: 100, requestId: `viewer-${Date.now()}` },
  });
  expect(refused.status).toBe(403);
  expect(refused.json.code).toBe('FORBIDDEN');
  expect((await adminOrder(order.id)).refunds).toEqual([]);
  await page.close();
});

test('zh-HK: the console and its API errors speak Traditional Chinese', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.backendUrl}/admin/`);
  await page.getByTestId('lang').selectOption('zh-HK');
  await expectText(page.getByTestId('login-submit'), '登入');
  await page.getByTestId('login-username').fill(ADMIN.username);
  await page.getByTestId('login-password').fill('not-the-password');
  await page.getByTestId('login-submit').click();
  await expectText(page.getByTestId('login-error'), '用戶名稱或密碼錯誤');
  expect(await page.evaluate<string>('document.documentElement.lang')).toBe('zh-HK');

  await page.getByTestId('login-password').fill(ADMIN.password);
  await page.getByTestId('login-submit').click();
  await expectText(page.getByTestId('nav-orders'), '訂單');
  await expectText(page.getByTestId('who'), '管理員');
  await page.locator('[data-testid="orders-table"], [data-testid="orders-empty"]').first().waitFor();
  await shot(page, 'orders-zh-HK');
  await page.close();
});

test('order search by status and an inclusive date range', async () => {
  const order = await customerOrder([{ sku: 'pineapple-bun', quantity: 2 }], true);
  const page = await browser.newPage();
  await login(page, VIEWER);
  const today = await page.evaluate<string>(
    `(() => { const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); })()`,
  );
  const search = async (status: string, from: string, to: string) => {
    await page.getByTestId('filter-status').selectOption(status);
    await page.getByTestId('filter-from').fill(from);
    await page.getByTestId('filter-to').fill(to);
    await page.getByTestId('orders-search').click();
    // Wait for this search's page (its filters in the address), then for its answer.
    await page.waitForURL(
      (url) =>
        url.hash.includes(`from=${from}`) &&
        url.hash.includes(`to=${to}`) &&
        (status === '' || url.hash.includes(`status=${status}`)) &&
        (status !== '' || !url.hash.includes('status=')),
    );
    await page.locator('[data-testid="orders-table"], [data-testid="orders-empty"]').first().waitFor();
    return page.getByTestId('order-link').allTextContents();
  };
  // Today to today includes an order created a moment ago (the "to" day counts whole).
  expect(await search('PAID', today, today)).toContain(order.outTradeNo);
  expect(await search('CLOSED', today, today)).not.toContain(order.outTradeNo);
  expect(await search('', '2020-01-01', '2020-01-31')).toEqual([]);
  await expectText(page.getByTestId('orders-empty'), 'No orders match.');
  // The filters live in the address, so a reload shows the same search.
  await page.reload();
  expect(await page.getByTestId('filter-from').inputValue()).toBe('2020-01-01');
  await page.close();
});

test('a session the API no longer accepts returns to the login page with a plain notice', async () => {
  const page = await browser.newPage();
  await login(page, ADMIN);
  await page.locator('[data-testid="orders-table"], [data-testid="orders-empty"]').first().waitFor();
  // As if the token expired or the account was disabled: the next call answers 401.
  await page.evaluate(
    `(() => { const s = JSON.parse(sessionStorage.getItem('console.session')); s.token = 'e30.e30.invalid'; sessionStorage.setItem('console.session', JSON.stringify(s)); })()`,
  );
  await page.getByTestId('orders-search').click();
  await expectText(page.getByTestId('login-error'), 'Your session has ended. Please log in again.');
  expect(await page.evaluate<string | null>(`sessionStorage.getItem('console.session')`)).toBeNull();
  await page.close();
});

test('admin closes an unpaid order', async () => {
  const order = await customerOrder([{ sku: 'egg-tart', quantity: 1 }], false);
  const page = await browser.newPage();
  await login(page, ADMIN);
  await page.goto(`${stack.backendUrl}/admin/#/orders/${order.id}`);
  await expectText(page.getByTestId('order-status'), 'Unpaid');
  await page.getByTestId('close-button').click();
  await page.getByTestId('close-confirm').click();
  await expectText(page.getByTestId('order-message'), 'The order is closed.');
  await expectText(page.getByTestId('order-status'), 'Closed');
  expect((await adminOrder(order.id)).status).toBe('CLOSED');
  await page.close();
});

test('cashier charges a payment code: progress while the customer confirms, then paid, charged once', async () => {
  const page = await browser.newPage();
  await login(page, CASHIER);
  expect(await page.getByTestId('nav-statements').count()).toBe(1); // cashiers read statements, as the API allows
  await page.getByTestId('nav-pos').click();
  await page.getByTestId('pos-amount').fill('12.30');
  await page.getByTestId('pos-description').fill('Counter sale');
  // A malformed code is refused before anything is sent.
  await page.getByTestId('pos-auth-code').fill('12345');
  await page.getByTestId('pos-auth-code').press('Enter');
  await expectText(page.getByTestId('pos-error'), 'A payment code is 18 digits');
  // The sandbox's codes ending 9992: USERPAYING for two queries, then paid. A scanner types and presses Enter.
  await page.getByTestId('pos-auth-code').fill('134567890123459992');
  await page.getByTestId('pos-auth-code').press('Enter');
  // The backend waits for the customer (USERPAYING, about 3 s per query here): the till says so meanwhile,
  // and a second Enter from the scanner does not charge twice.
  await expectText(page.getByTestId('pos-progress'), 'the customer confirms on their phone');
  expect(await page.getByTestId('pos-charge').isDisabled()).toBe(true);
  await page.getByTestId('pos-auth-code').press('Enter');
  await page.locator('[data-testid="pos-state"][data-state="SUCCESS"]').waitFor({ timeout: 60_000 });
  await expectText(page.getByTestId('pos-state'), 'Paid');
  await shot(page, 'pos-paid');

  const outTradeNo = (await page.getByTestId('pos-out-trade-no').textContent()) ?? '';
  expect(outTradeNo).toMatch(/^[A-Za-z0-9_-]{6,32}$/);
  const list = await stack.api('GET', `/api/admin/orders?outTradeNo=${encodeURIComponent(outTradeNo)}`, { token: adminToken });
  expect(list.json.items).toMatchObject([{ outTradeNo, status: 'PAID', total: 1230 }]);
  const pos = await stack.api('GET', '/api/admin/orders?pageSize=100', { token: adminToken });
  expect(pos.json.items.filter((o: OrderView) => o.total === 1230)).toHaveLength(1);
  await page.close();
});

test('the viewer reads the day statement with differences highlighted, and settlements', async () => {
  const order = await customerOrder([{ sku: 'milk-tea', quantity: 1 }], true);
  // Plant a difference the way a bug would: our books say one cent more than WeChat Pay charged.
  const db = await mongoose.createConnection(stack.dbUri).asPromise();
  try {
    await db.collection('orders').updateOne({ outTradeNo: order.outTradeNo }, { $inc: { total: 1 } });
  } finally {
    await db.close();
  }
  const gmt8Today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10); // WeChat Pay's statement day
  const page = await browser.newPage();
  await login(page, VIEWER);
  await page.getByTestId('nav-statements').click();
  await page.getByTestId('statement-date').fill(gmt8Today);
  await page.getByTestId('statement-load').click();
  await page.getByTestId('statement-totals').waitFor();
  const row = page.locator('[data-testid="statement-differences"] tr.diff-amount_differs', { hasText: order.outTradeNo });
  await row.waitFor();
  expect(await row.textContent()).toContain('Amounts differ');
  expect(await row.textContent()).toContain('HK$28.00'); // WeChat Pay
  expect(await row.textContent()).toContain('HK$28.01'); // ours
  // Highlighted: the row's cells have a background, unlike an ordinary table row.
  await row
    .locator('td')
    .first()
    .evaluate((el) => el.setAttribute('data-probe', '1'));
  const bg = await page.evaluate<string>(`getComputedStyle(document.querySelector('[data-probe]')).backgroundColor`);
  expect(bg).not.toMatch(/^rgba\(0, 0, 0, 0\)$|^transparent$/);
  await shot(page, 'statement');

  await page.getByTestId('nav-settlements').click();
  await page.getByTestId('settlements-state').selectOption('UNSETTLE');
  await page.getByTestId('settlements-search').click();
  expect(await page.getByTestId('settlements-from').isVisible()).toBe(false); // dates apply to settled batches only
  // Today's payments are in an unsettled batch at the sandbox.
  await page.getByTestId('settlements-table').waitFor();
  expect(await page.getByTestId('settlements-table').locator('tbody tr').count()).toBeGreaterThanOrEqual(1);
  expect(await page.getByTestId('settlements-error').isVisible()).toBe(false);
  await shot(page, 'settlements');
  await page.close();
});
