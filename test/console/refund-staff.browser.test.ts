// The console's refund actions in Debian's Chromium against the real stack, in both languages, on a 390 px phone
// and a desktop (no sideways scrolling, axe-core clean): a refund WeChat Pay answered NOT_ENOUGH until it stopped
// says why it waits and offers "Retry from recharge funds", "Retry" and "Cancel refund" to staff allowed to
// refund (a viewer reads the reason without the buttons); retrying from recharge funds and cancelling work from
// the page; "Check WeChat Pay for refunds" records a refund made in the merchant platform, labelled as such.
import type { Page } from 'playwright-core';
import type { AdminRefundView, OrderView, StaffLoginResponse } from '../../shared/api';
import { startStack, type Stack } from '../support/stack';
import { paidOrder, waitFor } from '../support/staff-flow';
import { seedStaff } from '../support/staff';
import { launchChromium, shot, type Browser } from './support/browser';
import { signIn, expectText, checkPage, type StaffCredentials } from './support/console-page';

jest.setTimeout(240_000);

const ADMIN = { username: 'refunds-admin', password: 'refunds-admin-password-1', role: 'admin' as const };
const VIEWER = { username: 'refunds-viewer', password: 'refunds-viewer-password-1', role: 'viewer' as const };

let stack: Stack;
let browser: Browser;
let adminToken: string;
let mchid: string;

const login = (page: Page, who: StaffCredentials, lang: 'en' | 'zh-HK') => signIn(page, stack.backendUrl, who, lang, { fresh: true });

beforeAll(async () => {
  stack = await startStack({
    env: { REFUND_RETRY_SCHEDULE_SECONDS: '0.3', REFUND_NOT_ENOUGH_RETRIES: '2', REFUND_PROCESSING_CHECK_SECONDS: '1' },
    sandbox: { settings: { refundSettleDelaySeconds: 0.5 } },
  });
  for (const s of [ADMIN, VIEWER]) await seedStaff(stack.dbUri, s.username, s.role, s.password);
  adminToken = (
    (await stack.api('POST', '/api/admin/login', { body: { username: ADMIN.username, password: ADMIN.password } }))
      .json as StaffLoginResponse
  ).token;
  mchid = stack.sandbox.config.direct.mchid;
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

const settings = (patch: Record<string, unknown>) => stack.sandbox.admin.post(`/sandbox/merchants/${mchid}/settings`, patch);

/** A paid order whose refund WeChat Pay answered NOT_ENOUGH until the backend stopped: it waits for staff. */
async function orderWithAwaitingRefund(user: string, amount: number): Promise<{ order: OrderView; refund: AdminRefundView }> {
  const order = await paidOrder(stack, user);
  await settings({ unsettledBalance: 0, rechargeBalance: 100000 });
  const r = await stack.api('POST', `/api/admin/orders/${order.id}/refunds`, {
    token: adminToken,
    body: { amount, requestId: `br-${Date.now()}-${user}` },
  });
  expect(r.status).toBe(201);
  const refund = await waitFor(async () => {
    const x = (await stack.api('GET', `/api/admin/refunds/${r.json.id}`, { token: adminToken })).json as AdminRefundView;
    return x.awaitingStaff ? x : undefined;
  });
  return { order, refund };
}

const TEXT = {
  en: {
    why: /refundable balance at WeChat Pay was not enough/,
    retryRecharge: 'Retry from recharge funds',
    retry: 'Retry',
    cancel: 'Cancel refund',
    waiting: 'Waiting for staff',
    external: 'Made in the merchant platform',
    recorded: /1 made outside this system recorded now/,
    cancelled: /was cancelled/,
    retried: /was sent again/,
  },
  'zh-HK': {
    why: /可退款餘額多次不足/,
    retryRecharge: '從充值資金重試',
    retry: '重試',
    cancel: '取消退款',
    waiting: '等待職員處理',
    external: '於商戶平台作出',
    recorded: /1 筆已即時記錄/,
    cancelled: /已取消/,
    retried: /已再次發送/,
  },
} as const;

test('a refund waiting for staff: why, and the three actions, in both languages, at 390 px and on a desktop', async () => {
  const { order, refund } = await orderWithAwaitingRefund('br-amy', 1200);
  const page = await browser.newPage();
  for (const lang of ['en', 'zh-HK'] as const) {
    for (const vp of [
      { width: 390, height: 844 },
      { width: 1366, height: 768 },
    ]) {
      await page.setViewportSize(vp);
      await login(page, ADMIN, lang);
      await page.goto(`${stack.backendUrl}/admin/#/orders/${order.id}`);
      const card = page.getByTestId('refund-awaiting');
      await expectText(card, TEXT[lang].why);
      expect(await card.getAttribute('data-refund')).toBe(refund.outRefundNo);
      expect(await page.getByTestId('refund-retry-recharge').textContent()).toBe(TEXT[lang].retryRecharge);
      expect(await page.getByTestId('refund-retry').textContent()).toBe(TEXT[lang].retry);
      expect(await page.getByTestId('refund-cancel').textContent()).toBe(TEXT[lang].cancel);
      await expectText(page.getByTestId('refund-status'), TEXT[lang].waiting);
      await checkPage(page, `${lang} ${vp.width} awaiting`);
      // The cancel confirmation, then back without cancelling.
      await page.getByTestId('refund-cancel').click();
      await page.getByTestId('refund-cancel-form').waitFor();
      await checkPage(page, `${lang} ${vp.width} cancel form`);
      await page.getByTestId('refund-cancel-back').click();
      await page.getByTestId('refund-retry-recharge').waitFor();
      await shot(page, `refund-awaiting-${lang}-${vp.width}`);
    }
  }

  // A viewer reads why, without the buttons.
  await page.setViewportSize({ width: 390, height: 844 });
  await login(page, VIEWER, 'en');
  await page.goto(`${stack.backendUrl}/admin/#/orders/${order.id}`);
  await expectText(page.getByTestId('refund-awaiting'), TEXT.en.why);
  expect(await page.getByTestId('refund-retry-recharge').count()).toBe(0);
  expect(await page.getByTestId('refund-cancel').count()).toBe(0);
  expect(await page.getByTestId('check-refunds-button').count()).toBe(0);
  await checkPage(page, 'viewer 390 awaiting');

  // Staff retry from recharge funds: the refund goes through and the card goes away.
  await login(page, ADMIN, 'zh-HK');
  await page.goto(`${stack.backendUrl}/admin/#/orders/${order.id}`);
  await page.getByTestId('refund-retry-recharge').click();
  await expectText(page.getByTestId('order-message'), TEXT['zh-HK'].retried);
  expect(await page.getByTestId('refund-awaiting').count()).toBe(0);
  const after = await waitFor(async () => {
    const x = (await stack.api('GET', `/api/admin/refunds/${refund.id}`, { token: adminToken })).json as AdminRefundView;
    return x.status === 'SUCCESS' ? x : undefined;
  });
  expect(after.source).toBe('REFUND_SOURCE_RECHARGE_FUNDS');
  expect((await stack.sandbox.admin.get(`/sandbox/merchants/${mchid}/settings`)).rechargeBalance).toBeLessThanOrEqual(100000 - 1200);
  await page.reload();
  await expectText(page.getByTestId('order-audit'), `再次發送退款 ${refund.outRefundNo}，從充值退款資金退款`);
  await page.close();
});

test('cancel from the page: confirmed with a reason, the amount refundable again', async () => {
  const { order, refund } = await orderWithAwaitingRefund('br-bo', 800);
  const page = await browser.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await login(page, ADMIN, 'en');
  await page.goto(`${stack.backendUrl}/admin/#/orders/${order.id}`);
  await page.getByTestId('refund-cancel').click();
  await page.getByTestId('refund-cancel-reason').fill('paid back in cash');
  await page.getByTestId('refund-cancel-confirm').click();
  await expectText(page.getByTestId('order-message'), TEXT.en.cancelled);
  expect(await page.getByTestId('refund-awaiting').count()).toBe(0);
  await expectText(page.getByTestId('order-refundable'), 'HK$56.00');
  await expectText(page.getByTestId('order-refunds'), 'cancelled by staff (refunds-admin: paid back in cash)');
  await expectText(page.getByTestId('order-audit'), `Cancelled refund ${refund.outRefundNo} of HK$8.00 · reason: paid back in cash`);
  await checkPage(page, 'en 390 cancelled');
  await page.close();
});

test('"Check WeChat Pay for refunds" records a refund made in the merchant platform, labelled in both languages', async () => {
  await settings({ unsettledBalance: null, rechargeBalance: null, refundNotifyUrl: null });
  const order = await paidOrder(stack, 'br-cy');
  const made = await stack.sandbox.admin.post('/sandbox/refunds/merchant-platform', { out_trade_no: order.outTradeNo, refund: 1600 });
  expect(made.status).toBe(200);
  const page = await browser.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await login(page, ADMIN, 'en');
  await page.goto(`${stack.backendUrl}/admin/#/orders/${order.id}`);
  await page.getByTestId('order-summary').waitFor();
  expect(await page.getByTestId('refund-external').count()).toBe(0);
  await page.getByTestId('check-refunds-button').click();
  await expectText(page.getByTestId('order-message'), TEXT.en.recorded);
  await expectText(page.getByTestId('refund-external'), TEXT.en.external);
  await expectText(page.getByTestId('order-refunds'), made.json.out_refund_no as string);
  await expectText(page.getByTestId('order-refundable'), 'HK$40.00');
  await expectText(page.getByTestId('order-audit'), 'Checked WeChat Pay for refunds: 1 found, 1 recorded');
  await checkPage(page, 'en 390 external');
  // The language menu is in the folded header on a phone: switch on the desktop layout, then look at both.
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.getByTestId('lang').selectOption('zh-HK');
  await expectText(page.getByTestId('refund-external'), TEXT['zh-HK'].external);
  await checkPage(page, 'zh-HK 1366 external');
  await page.setViewportSize({ width: 390, height: 844 });
  await checkPage(page, 'zh-HK 390 external');
  await shot(page, 'refund-external-zh-HK');
  await page.close();
});
