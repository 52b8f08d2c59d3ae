// Renders every staff console page at desktop (1366x768) and phone (390x844) width in English and Traditional
// Chinese, against a real local stack (database, sandbox, backend) with a few orders, a refund and a till charge.
// `smoke` renders everything but writes no file (the jest smoke test); otherwise PNGs go to `outDir`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startLocalMongo } from '../../tools/localdb/server';
import type { AdminRefundView, CreateOrderResponse, OrderView, StaffLoginResponse } from '../../shared/api';
import { launchChromium } from '../../test/console/support/browser';
import { startStack } from '../../test/support/stack';
import { seedStaff } from '../../test/support/staff';

export interface ScreenshotOptions {
  smoke?: boolean;
  log?: (line: string) => void;
}

const VIEWPORTS = [
  { name: 'desktop', width: 1366, height: 768 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const LANGS = ['en', 'zh-HK'] as const;
const STAFF = { username: 'alice', password: 'screenshots-password-1' };

async function until<T>(fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out preparing the screenshots');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Returns the files written (or, for a smoke run, the names that would have been). */
export async function renderConsoleScreenshots(outDir: string, opts: ScreenshotOptions = {}): Promise<string[]> {
  const log = opts.log ?? (() => {});
  const ownDb = process.env.TEST_MONGODB_URI ? undefined : await startLocalMongo({ log });
  if (ownDb) process.env.TEST_MONGODB_URI = ownDb.uri;
  const stack = await startStack({ sandbox: { settings: { refundSettleDelaySeconds: 0.5 } } });
  const browser = await launchChromium({ locale: 'en-GB' });
  const written: string[] = [];
  try {
    await seedStaff(stack.dbUri, STAFF.username, 'admin', STAFF.password);
    const admin = ((await stack.api('POST', '/api/admin/login', { body: STAFF })).json as StaffLoginResponse).token;
    // Some business to show: three paid orders (one partly refunded), one unpaid, one till charge.
    const customer = await stack.loginCustomer('screenshot-customer');
    const orders: OrderView[] = [];
    for (const [i, items] of [
      [{ sku: 'milk-tea', quantity: 2 }],
      [
        { sku: 'egg-tart', quantity: 4 },
        { sku: 'milk-tea', quantity: 1 },
      ],
      [{ sku: 'wonton-noodles', quantity: 1 }],
      [{ sku: 'pineapple-bun', quantity: 3 }],
    ].entries()) {
      const created = (
        await stack.api('POST', '/api/orders', { token: customer, body: { items, clientRequestId: `shot-${Date.now()}-${i}` } })
      ).json as CreateOrderResponse;
      if (i < 3) {
        await stack.api('POST', '/api/sandbox/cashier', {
          token: customer,
          body: { orderId: created.order.id, payment: created.payment, action: 'pay' },
        });
        orders.push(
          await until(async () => {
            const o = (await stack.api('GET', `/api/orders/${created.order.id}`, { token: customer })).json as OrderView;
            return o.status === 'PAID' ? o : undefined;
          }),
        );
      }
    }
    const first = orders[0]!;
    const r = (
      await stack.api('POST', `/api/admin/orders/${first.id}/refunds`, {
        token: admin,
        body: { amount: 1400, reason: 'one drink spilt', requestId: `shot-refund-${Date.now()}` },
      })
    ).json as AdminRefundView;
    await until(async () =>
      ((await stack.api('GET', `/api/admin/refunds/${r.id}`, { token: admin })).json as AdminRefundView).status === 'SUCCESS'
        ? true
        : undefined,
    );
    // Two stores' tills; the till charge is made at the first.
    const till = (
      await stack.api('POST', '/api/admin/tills', {
        token: admin,
        body: {
          storeId: 'HK-CEN',
          storeName: '中環店 Central',
          storeAddress: '香港中環皇后大道中 1 號',
          deviceId: 'POS-CEN-01',
          deviceIp: '10.8.0.21',
          label: 'Front counter',
        },
      })
    ).json as { id: string };
    await stack.api('POST', '/api/admin/tills', {
      token: admin,
      body: { storeId: 'HK-MK', storeName: '旺角店 Mong Kok', deviceId: 'POS-MK-01', label: '旺角前台' },
    });
    await stack.api('POST', '/api/admin/pos/charge', {
      token: admin,
      body: {
        authCode: '134567890123456789',
        amount: 2300,
        description: 'Counter sale',
        requestId: `shot-pos-${Date.now()}`,
        tillId: till.id,
      },
    });

    const gmt8Today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    // `ready`: what must be on screen before the picture; `also`: a second thing that loads on its own.
    const pages: { name: string; hash: string; ready: string; also?: string }[] = [
      {
        name: 'orders',
        hash: '#/orders',
        ready: '[data-testid="orders-table"]',
        also: '.field:not([hidden]) > [data-testid="filter-store"]',
      },
      { name: 'order', hash: `#/orders/${first.id}`, ready: '[data-testid="order-audit"]' },
      { name: 'dashboard', hash: '#/dashboard?days=7', ready: '[data-testid="dashboard-chart"]' },
      {
        name: 'statement',
        hash: `#/statements?date=${gmt8Today}`,
        ready: '[data-testid="statement-totals"], [data-testid="statement-error"]:not([hidden])',
      },
      {
        name: 'settlements',
        hash: '#/settlements?state=UNSETTLE',
        ready: '[data-testid="settlements-table"], [data-testid="settlements-empty"]',
      },
      { name: 'pos', hash: '#/pos', ready: '[data-testid="pos-form"]' },
      { name: 'tills', hash: '#/tills', ready: '[data-testid="tills-table"]' },
    ];
    if (!opts.smoke) mkdirSync(outDir, { recursive: true });
    const page: Page = await browser.newPage();
    const capture = async (name: string) => {
      await page.evaluate('document.fonts.ready');
      const png = await screenshotWithRetry(page);
      if (png.length < 1000) throw new Error(`screenshot ${name} is empty`);
      const file = join(outDir, `${name}.png`);
      if (!opts.smoke) writeFileSync(file, png);
      written.push(file);
      log(`${opts.smoke ? 'rendered' : 'wrote'} ${file}`);
    };
    for (const lang of LANGS) {
      for (const vp of VIEWPORTS) {
        await page.setViewportSize({ width: vp.width, height: vp.height });
        await page.goto(`${stack.backendUrl}/admin/`);
        await page.evaluate('sessionStorage.clear()');
        await page.reload();
        await page.getByTestId('lang').selectOption(lang);
        await page.getByTestId('login-form').waitFor();
        await capture(`login-${lang}-${vp.name}`);
        await page.getByTestId('login-username').fill(STAFF.username);
        await page.getByTestId('login-password').fill(STAFF.password);
        await page.getByTestId('login-submit').click();
        await page.getByTestId('nav').waitFor({ state: 'attached' });
        for (const p of pages) {
          await page.goto(`${stack.backendUrl}/admin/${p.hash}`);
          await page.locator(p.ready).first().waitFor();
          if (p.also) await page.locator(p.also).first().waitFor();
          await capture(`${p.name}-${lang}-${vp.name}`);
        }
        if (vp.name === 'phone') {
          await page.getByTestId('menu-toggle').click();
          await capture(`menu-${lang}-${vp.name}`);
        }
      }
    }
  } finally {
    await browser.close();
    await stack.stop();
    if (ownDb) {
      await ownDb.stop();
      delete process.env.TEST_MONGODB_URI;
    }
  }
  return written;
}

/**
 * Chromium now and then answers `Unable to capture screenshot` for a page that has just been reloaded or resized
 * (the compositor has no frame yet); a moment later the same capture works.
 */
async function screenshotWithRetry(page: Page): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' });
    } catch (err) {
      if (attempt >= 3 || !/Unable to capture screenshot/.test(String(err))) throw err;
      await page.waitForTimeout(250 * attempt);
    }
  }
}
