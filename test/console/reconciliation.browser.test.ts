// The console's reconciliation views in Debian's Chromium against the real stack: the list of days the daily job
// recorded and one day's differences, on a 390 px phone and a desktop, in both languages, with no sideways
// scrolling and no serious or critical axe-core finding; the states in words, a day not recorded, and the CSV
// export of a day's differences. The job's records are written straight into the backend's database (the job
// itself is tested in test/integration/backend/daily-reconciliation.test.ts).
import { readFileSync } from 'node:fs';
import mongoose from 'mongoose';
import type { Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack';
import { seedStaff } from '../support/staff';
import { launchChromium, type Browser } from './support/browser';
import { checkPage, signIn } from './support/console-page';

jest.setTimeout(120_000);

const ADMIN = { username: 'recon-admin', password: 'recon-admin-password-1', role: 'admin' as const };
const DAY_MS = 86_400_000;
const gmt8Date = (daysBack: number) => new Date(Date.now() + 8 * 3600_000 - daysBack * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
const pretty = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

const WITH_DIFFS = gmt8Date(1);
const CLEAN = gmt8Date(2);
const PENDING = gmt8Date(3);
const LONG_TRADE_NO = `RECON${'7'.repeat(27)}`;

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  // The job is off: the days below are the only ones, as written.
  stack = await startStack({ env: { RECONCILE_ENABLED: 'false' } });
  await seedStaff(stack.dbUri, ADMIN.username, ADMIN.role, ADMIN.password);
  const db = await mongoose.createConnection(stack.dbUri).asPromise();
  const now = new Date();
  const totals = { payments: 123_450, refunds: 1_000, fees: 741, currency: 'HKD' };
  await db.collection('reconciliation_days').insertMany([
    {
      _id: WITH_DIFFS,
      state: 'differences',
      attempts: 1,
      nextAttemptAt: now,
      claimedBy: 'one',
      rows: 12,
      sha1: 'a'.repeat(40),
      totals,
      differences: 2,
      reconciledAt: now,
      updatedAt: now,
    },
    {
      _id: CLEAN,
      state: 'reconciled',
      attempts: 2,
      nextAttemptAt: now,
      rows: 9,
      sha1: 'b'.repeat(40),
      totals,
      differences: 0,
      reconciledAt: now,
      settlement: { batchId: 'BATCH-2026-0042-LONG-IDENTIFIER', settlementDate: CLEAN },
      updatedAt: now,
    },
    {
      _id: PENDING,
      state: 'pending',
      attempts: 3,
      nextAttemptAt: new Date(now.getTime() + 3600_000),
      lastError: 'NO_STATEMENT_EXIST: the statement of this day does not exist yet',
      updatedAt: now,
    },
  ] as never[]);
  await db.collection('reconciliation_differences').insertMany([
    {
      _id: `${WITH_DIFFS}:0`,
      date: WITH_DIFFS,
      seq: 0,
      kind: 'amount_differs',
      outTradeNo: LONG_TRADE_NO,
      wechat: { state: 'SUCCESS', amount: 3_600 },
      local: { state: 'PAID', amount: 3_601 },
    },
    {
      _id: `${WITH_DIFFS}:1`,
      date: WITH_DIFFS,
      seq: 1,
      kind: 'missing_locally',
      outTradeNo: 'RECONMISSING0001',
      outRefundNo: 'RECONREFUND00000000000000000001',
      wechat: { state: 'SUCCESS', amount: 1_000 },
    },
  ] as never[]);
  await db.close();
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

async function expectText(page: Page, testid: string, text: string | RegExp, timeout = 20_000): Promise<string> {
  const end = Date.now() + timeout;
  let last = '';
  while (Date.now() < end) {
    last =
      (await page
        .getByTestId(testid)
        .first()
        .textContent({ timeout: 1000 })
        .catch(() => '')) ?? '';
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${String(text)} in ${testid}, last saw ${JSON.stringify(last)}`);
}

const login = (page: Page, lang: 'en' | 'zh-HK') => signIn(page, stack.backendUrl, ADMIN, lang, { fresh: true });

const WORDS = {
  en: {
    heading: 'Daily reconciliation',
    differences: 'Differences',
    dayHeading: `Reconciliation of ${pretty(WITH_DIFFS)}`,
    notFound: `No reconciliation is recorded for 2020-01-01.`,
  },
  'zh-HK': {
    heading: '每日對帳',
    differences: '有差異',
    dayHeading: `${pretty(WITH_DIFFS)} 的對帳`,
    notFound: '2020-01-01',
  },
};

test('the days and a day fit a 390 px phone and a desktop, pass axe-core, and read in both languages', async () => {
  const page = await browser.newPage();
  for (const lang of ['en', 'zh-HK'] as const) {
    const w = WORDS[lang];
    for (const vp of [
      { width: 390, height: 844 },
      { width: 1366, height: 768 },
    ]) {
      const label = `${lang} ${vp.width}`;
      await page.setViewportSize(vp);
      await login(page, lang);

      // The list: newest first, each day with its state in words; the settlement batch of the clean day.
      await page.goto(`${stack.backendUrl}/admin/#/reconciliation`);
      await page.getByTestId('recon-table').waitFor();
      expect(await page.locator('h1').first().textContent()).toBe(w.heading);
      const days = await page.locator('[data-testid^="recon-day-"]').evaluateAll((els) => els.map((e) => e.textContent));
      expect(days).toEqual([pretty(WITH_DIFFS), pretty(CLEAN), pretty(PENDING)]);
      expect(await page.getByTestId(`recon-state-${WITH_DIFFS}`).textContent()).toBe(w.differences);
      expect(await page.getByTestId('recon-table').textContent()).toContain('BATCH-2026-0042-LONG-IDENTIFIER');
      await checkPage(page, `${label} list`);

      // A day with differences, opened from the list.
      await page.getByTestId(`recon-day-${WITH_DIFFS}`).click();
      await page.waitForURL((u) => u.hash === `#/reconciliation/${WITH_DIFFS}`);
      await page.getByTestId('statement-differences').waitFor();
      expect(await page.locator('h1').first().textContent()).toBe(w.dayHeading);
      expect(await page.locator('[data-testid="statement-differences"] tbody tr').count()).toBe(2);
      expect(await page.locator('[data-testid="statement-differences"] tbody tr.diff-amount_differs').textContent()).toContain(
        LONG_TRADE_NO,
      );
      expect(await page.getByTestId('recon-summary').textContent()).toContain('a'.repeat(40));
      await checkPage(page, `${label} day`);

      // A clean day, a day still waiting for its statement, and a day not recorded.
      for (const [date, ready] of [
        [CLEAN, 'recon-clean'],
        [PENDING, 'recon-summary'],
      ] as const) {
        await page.goto(`${stack.backendUrl}/admin/#/reconciliation/${date}`);
        await page.getByTestId(ready).waitFor();
        await checkPage(page, `${label} ${date}`);
      }
      expect(await page.getByTestId('recon-summary').textContent()).toContain('NO_STATEMENT_EXIST');
      expect(await page.locator('[data-testid="recon-export"]').count()).toBe(0);
      await page.goto(`${stack.backendUrl}/admin/#/reconciliation/20200101`);
      await expectText(page, 'recon-error', w.notFound);
      await checkPage(page, `${label} not recorded`);

      // Back to the list from a day.
      await page.goto(`${stack.backendUrl}/admin/#/reconciliation/${WITH_DIFFS}`);
      await page.getByTestId('recon-back').click();
      await page.getByTestId('recon-table').waitFor();
    }
  }
  await page.close();
});

test("a day's differences download as CSV; the button is usable again afterwards", async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await login(page, 'en');
  await page.goto(`${stack.backendUrl}/admin/#/reconciliation/${WITH_DIFFS}`);
  const button = page.getByTestId('recon-export');
  await button.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  expect(download.suggestedFilename()).toBe(`reconciliation-${WITH_DIFFS}.csv`);
  const lines = readFileSync((await download.path())!, 'utf8')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r\n/);
  expect(lines).toEqual([
    'date,kind,out_trade_no,out_refund_no,wechat_state,wechat_amount,local_state,local_amount',
    `${WITH_DIFFS},amount_differs,${LONG_TRADE_NO},,SUCCESS,3600,PAID,3601`,
    `${WITH_DIFFS},missing_locally,RECONMISSING0001,RECONREFUND00000000000000000001,SUCCESS,1000,,`,
  ]);
  await expectText(page, 'recon-error', `Downloaded reconciliation-${WITH_DIFFS}.csv.`);
  expect(await button.isEnabled()).toBe(true);
  await checkPage(page, 'en 390 exported');
  await page.close();
});
