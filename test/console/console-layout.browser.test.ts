// The console on a phone and on a desktop, in both languages, in Debian's Chromium against the real stack: no
// page scrolls sideways at 390 px (tables become stacked rows, the header folds into a menu), axe-core finds no
// serious or critical problem on any page, and the texts people read are sentences, not raw codes: statement
// days not available yet, empty settlements, the audit trail and notifications in words, a failed till charge in
// the staff's language; search by transaction and refund number; the dashboard, its chart and the CSV export.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { AdminOrderView, AdminRefundView, CreateOrderResponse, OrderView, StaffLoginResponse } from '../../shared/api';
import { startStack, type Stack } from '../support/stack';
import { seedStaff } from '../support/staff';
import { launchChromium, shot, type Browser } from './support/browser';
import { signIn, expectText, checkPage, type StaffCredentials } from './support/console-page';

jest.setTimeout(180_000);

const ADMIN = { username: 'layout-admin', password: 'layout-admin-password-1', role: 'admin' as const };
const CASHIER = { username: 'layout-cashier', password: 'layout-cashier-password-1', role: 'cashier' as const };

let stack: Stack;
let browser: Browser;
let adminToken: string;
let order: AdminOrderView;
let refund: AdminRefundView;

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 150));
  }
}

const login = (page: Page, who: StaffCredentials, lang: 'en' | 'zh-HK' = 'en') => signIn(page, stack.backendUrl, who, lang);

beforeAll(async () => {
  stack = await startStack({ sandbox: { settings: { refundSettleDelaySeconds: 1 } } });
  for (const s of [ADMIN, CASHIER]) await seedStaff(stack.dbUri, s.username, s.role, s.password);
  adminToken = (
    (await stack.api('POST', '/api/admin/login', { body: { username: ADMIN.username, password: ADMIN.password } }))
      .json as StaffLoginResponse
  ).token;
  // A paid order with a refund that succeeded: the order page then has refunds, notifications and an audit trail.
  const token = await stack.loginCustomer('layout-customer');
  const created = await stack.api('POST', '/api/orders', {
    token,
    body: { items: [{ sku: 'milk-tea', quantity: 2 }], clientRequestId: `layout-${Date.now()}` },
  });
  const { order: o, payment } = created.json as CreateOrderResponse;
  await stack.api('POST', '/api/sandbox/cashier', { token, body: { orderId: o.id, payment, action: 'pay' } });
  await waitFor(async () => ((await stack.api('GET', `/api/orders/${o.id}`, { token })).json as OrderView).status === 'PAID' || undefined);
  const r = await stack.api('POST', `/api/admin/orders/${o.id}/refunds`, {
    token: adminToken,
    body: { amount: 1250, reason: 'cup cracked', requestId: `layout-r-${Date.now()}` },
  });
  refund = await waitFor(async () => {
    const x = (await stack.api('GET', `/api/admin/refunds/${r.json.id}`, { token: adminToken })).json as AdminRefundView;
    return x.status === 'SUCCESS' ? x : undefined;
  }, 60_000);
  order = await waitFor(async () => {
    const x = (await stack.api('GET', `/api/admin/orders/${o.id}`, { token: adminToken })).json as AdminOrderView;
    return x.notifications.length >= 2 ? x : undefined;
  }, 60_000);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});
afterEach(() => {
  const errors = browser.pageErrors.splice(0);
  expect(errors).toEqual([]);
});

const gmt8Day = (plusDays: number) => new Date(Date.now() + 8 * 3600_000 + plusDays * 86_400_000).toISOString().slice(0, 10);

/** Every page of the console, each opened by its address and waited for until its content is there. */
const PAGES: { name: string; hash: string; ready: string }[] = [
  { name: 'orders', hash: '#/orders', ready: '[data-testid="orders-table"], [data-testid="orders-empty"]' },
  { name: 'order', hash: '', ready: '[data-testid="order-audit"]' },
  { name: 'dashboard', hash: '#/dashboard?days=7', ready: '[data-testid="dashboard-chart"]' },
  {
    name: 'statement',
    hash: `#/statements?date=${gmt8Day(0)}`,
    ready: '[data-testid="statement-totals"], [data-testid="statement-error"]:not([hidden])',
  },
  {
    name: 'settlements',
    hash: '#/settlements?state=UNSETTLE',
    ready: '[data-testid="settlements-table"], [data-testid="settlements-empty"]',
  },
  { name: 'pos', hash: '#/pos', ready: '[data-testid="pos-form"]' },
];

test('every page fits a 390 px phone without sideways scrolling, keeps the desktop layout, and passes axe-core, in both languages', async () => {
  const page = await browser.newPage();
  for (const lang of ['en', 'zh-HK'] as const) {
    for (const vp of [
      { width: 390, height: 844 },
      { width: 1366, height: 768 },
    ]) {
      await page.setViewportSize(vp);
      await page.goto(`${stack.backendUrl}/admin/`);
      await page.evaluate('sessionStorage.clear()');
      await page.reload();
      await page.getByTestId('lang').selectOption(lang);
      await page.getByTestId('login-form').waitFor();
      await checkPage(page, `${lang} ${vp.width} login`);
      await login(page, ADMIN, lang);
      const phone = vp.width < 720;
      // The compact header: one row with a menu button on the phone; the navigation in the row on a desktop.
      expect(await page.getByTestId('menu-toggle').isVisible()).toBe(phone);
      expect(await page.getByTestId('nav').isVisible()).toBe(!phone);
      const header = await page.locator('header.topbar').boundingBox();
      if (phone) expect(header!.height).toBeLessThan(70);
      for (const p of PAGES) {
        await page.goto(`${stack.backendUrl}/admin/${p.hash || `#/orders/${order.id}`}`);
        await page.locator(p.ready).first().waitFor();
        await checkPage(page, `${lang} ${vp.width} ${p.name}`);
        if (phone && p.name === 'orders') {
          // Stacked rows: the order number has the row's full width, on one line.
          const link = page.getByTestId('order-link').first();
          const box = await link.boundingBox();
          const lineHeight = await page.evaluate<number>(
            `parseFloat(getComputedStyle(document.querySelector('[data-testid="order-link"]')).lineHeight) || 20`,
          );
          expect(box!.height).toBeLessThan(lineHeight * 2.2);
          expect((await page.locator('[data-testid="orders-table"] thead').boundingBox())!.height).toBeLessThanOrEqual(1); // out of sight, kept for screen readers
        }
      }
      if (phone) {
        // The menu opens and leads to another page.
        await page.getByTestId('menu-toggle').click();
        expect(await page.getByTestId('menu-toggle').getAttribute('aria-expanded')).toBe('true');
        await page.getByTestId('nav-orders').click();
        await page.waitForURL((u) => u.hash === '#/orders');
        await checkPage(page, `${lang} ${vp.width} menu`);
      }
      await page
        .getByTestId(phone ? 'menu-toggle' : 'nav')
        .first()
        .waitFor();
    }
  }
  await page.close();
});

test('the login page puts the cursor in the username', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.backendUrl}/admin/`);
  await page.getByTestId('login-form').waitFor();
  await waitFor(
    async () =>
      (await page.evaluate<string | undefined>('document.activeElement?.dataset.testid')) === 'login-username' ? true : undefined,
    5000,
  );
  await page.keyboard.type(ADMIN.username); // typing goes straight in
  expect(await page.getByTestId('login-username').inputValue()).toBe(ADMIN.username);
  await page.close();
});

test('a statement not made yet says from when it can be loaded; a past day without one says why; settlements show an empty state', async () => {
  const page = await browser.newPage();
  await login(page, ADMIN);
  const tomorrow = gmt8Day(1);
  await page.goto(`${stack.backendUrl}/admin/#/statements?date=${tomorrow}`);
  const text = await expectText(page.getByTestId('statement-error'), 'is not available yet');
  expect(text).toContain(`The statement for ${tomorrow} is not available yet`);
  expect(text).toMatch(/it can be loaded from .*\d/);
  expect(text).not.toContain('Not found');
  await page.goto(`${stack.backendUrl}/admin/#/statements?date=${gmt8Day(-20)}`);
  await expectText(page.getByTestId('statement-error'), `WeChat Pay has no statement for ${gmt8Day(-20)}`);

  await page.getByTestId('lang').selectOption('zh-HK');
  await page.goto(`${stack.backendUrl}/admin/#/statements?date=${tomorrow}&zh=1`);
  await expectText(page.getByTestId('statement-error'), '尚未提供');
  await page.getByTestId('lang').selectOption('en');

  // Settlements: the first visit searches the last 30 days at once and shows rows or says there are none.
  await page.goto(`${stack.backendUrl}/admin/#/settlements`);
  await page.locator('[data-testid="settlements-table"], [data-testid="settlements-empty"]').first().waitFor();
  await page.goto(`${stack.backendUrl}/admin/#/settlements?state=SETTLED&from=2020-01-01&to=2020-01-31`);
  await expectText(page.getByTestId('settlements-empty'), 'No settled batches from 2020-01-01 to 2020-01-31.');
  await page.close();
});

test('the audit trail and the notifications are told in words, with the raw data one click away', async () => {
  const page = await browser.newPage();
  await login(page, ADMIN);
  await page.goto(`${stack.backendUrl}/admin/#/orders/${order.id}`);
  await expectText(page.getByTestId('audit-text'), `Asked for a refund of HK$12.50 (refund ${refund.outRefundNo}) · reason: cup cracked`);
  const notes = await expectText(page.getByTestId('order-notifications'), 'WeChat Pay: the customer paid');
  expect(notes).toContain('WeChat Pay: the refund reached the customer');
  expect(notes).toContain('Applied to the order');
  // Raw data: present but folded away until asked for.
  const raw = page.getByTestId('audit-raw').first();
  expect(await raw.locator('pre').isVisible()).toBe(false);
  await raw.locator('summary').click();
  expect(await raw.locator('pre').textContent()).toContain('"action": "refund.create"');
  expect(await page.getByTestId('notification-raw').first().locator('pre').isVisible()).toBe(false);
  expect(await page.locator('[data-testid="order-notifications"] td:not(:has(details))').allTextContents()).not.toContain(
    order.notifications[0]!.eventId,
  );
  await page.getByTestId('lang').selectOption('zh-HK');
  await expectText(page.getByTestId('audit-text'), '申請退款 HK$12.50');
  await expectText(page.getByTestId('order-notifications'), '微信支付：顧客已付款');
  await page.close();
});

test('search finds an order by WeChat transaction id and by refund number', async () => {
  const page = await browser.newPage();
  await login(page, ADMIN);
  for (const [q, note] of [
    [order.transactionId!, 'Found by WeChat Pay transaction id.'],
    [refund.outRefundNo, 'Found by refund number.'],
    [order.outTradeNo, 'Found by order number.'],
  ] as const) {
    await page.goto(`${stack.backendUrl}/admin/#/orders`);
    await page.getByTestId('filter-out-trade-no').fill(q);
    await page.getByTestId('orders-search').click();
    await page.waitForURL((u) => u.hash.includes(`q=${encodeURIComponent(q)}`));
    await expectText(page.getByTestId('orders-matched'), note);
    expect(await page.getByTestId('order-link').allTextContents()).toEqual([order.outTradeNo]);
  }
  await page.getByTestId('filter-out-trade-no').fill('NO-SUCH-NUMBER');
  await page.getByTestId('orders-search').click();
  await expectText(page.getByTestId('orders-empty'), 'No orders match.');
  await page.close();
});

test('a failed till charge is explained in the staff language, WeChat Pay’s text kept as detail', async () => {
  const page = await browser.newPage();
  await login(page, CASHIER, 'zh-HK');
  await page.goto(`${stack.backendUrl}/admin/#/pos`);
  await page.getByTestId('pos-amount').fill('3.20');
  await page.getByTestId('pos-description').fill('Counter');
  await page.getByTestId('pos-auth-code').fill('134567890123459980'); // the sandbox refuses it (PAYERROR)
  await page.getByTestId('pos-auth-code').press('Enter');
  await page.locator('[data-testid="pos-state"][data-state="PAYERROR"]').waitFor({ timeout: 60_000 });
  const zh = await expectText(page.getByTestId('pos-failure'), '付款失敗');
  expect(zh).not.toMatch(/[A-Za-z]{4,}/); // our sentence, no English or code in it
  const details = page.getByTestId('pos-wechat-text');
  expect(await details.locator('pre').isVisible()).toBe(false);
  await page.close();

  const en = await browser.newPage();
  await login(en, CASHIER);
  await en.goto(`${stack.backendUrl}/admin/#/pos`);
  await en.getByTestId('pos-amount').fill('3.30');
  await en.getByTestId('pos-description').fill('Counter');
  await en.getByTestId('pos-auth-code').fill('134567890123459980');
  await en.getByTestId('pos-auth-code').press('Enter');
  await en.locator('[data-testid="pos-state"][data-state="PAYERROR"]').waitFor({ timeout: 60_000 });
  const text = await expectText(en.getByTestId('pos-failure'), 'Payment failed');
  expect(text).not.toMatch(/[\u4e00-\u9fff]/); // no Chinese in the English sentence
  const visible = await en.getByTestId('pos-reason').innerText();
  expect(visible).not.toMatch(/[\u4e00-\u9fff]/); // WeChat's own words only when unfolded
  await en.getByTestId('pos-wechat-text').locator('summary').click();
  expect((await en.getByTestId('pos-wechat-text').locator('pre').textContent())?.length).toBeGreaterThan(0);
  await shot(en, 'pos-failed');
  await en.close();
});

test('dashboard: today, 7 and 30 days with a chart per day, and the CSV export of orders and refunds', async () => {
  const page = await browser.newPage();
  await login(page, ADMIN);
  await page.goto(`${stack.backendUrl}/admin/#/dashboard?days=1`);
  await page.getByTestId('dashboard-chart').waitFor();
  // This file's stack has the one paid order (HK$56.00) and its HK$12.50 refund, plus whatever the till tests paid.
  await expectText(page.getByTestId('dashboard-refunds'), 'HK$12.50');
  const sales = await page.getByTestId('dashboard-sales').textContent();
  expect(sales).toMatch(/HK\$\d/);
  expect(await page.locator('[data-testid="dashboard-chart"] rect').count()).toBe(2);
  await page.getByTestId('dashboard-days-30').click();
  await waitFor(async () => ((await page.locator('[data-testid="dashboard-chart"] rect').count()) === 60 ? true : undefined));
  expect(await page.getByTestId('dashboard-days-30').getAttribute('aria-current')).toBe('page');
  expect(await page.getByTestId('dashboard-chart').getAttribute('aria-label')).toMatch(/Bar chart of sales and refunds per day/);
  expect(await page.getByTestId('dashboard-rate').textContent()).toMatch(/%/);

  for (const kind of ['orders', 'refunds'] as const) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`export-${kind}`).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${kind}-\\d{4}-\\d{2}-\\d{2}-to-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    expect(csv).toContain(kind === 'orders' ? order.outTradeNo : refund.outRefundNo);
    await expectText(page.getByTestId('export-message'), `Downloaded ${download.suggestedFilename()}.`);
  }
  await shot(page, 'dashboard');
  await page.close();
});
