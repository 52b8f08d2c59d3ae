// The tills in the console, in Debian's Chromium against the real stack: an admin adds, edits, disables and
// enables tills (limits told in the staff's language, a duplicate device explained); a cashier's POS chooses its
// till, which this device remembers, and charges with listed items; the order shows where it was charged; the
// day's statement is read per store. Every page of it fits a 390 px phone and a desktop in both languages with
// no serious or critical axe-core finding.
import type { Page } from 'playwright-core';
import type { TillView } from '../../shared/api';
import { startStack, type Stack } from '../support/stack';
import { seedStaff } from '../support/staff';
import { launchChromium, shot, type Browser } from './support/browser';
import { signIn, expectText, checkPage, type StaffCredentials } from './support/console-page';

jest.setTimeout(240_000);

const ADMIN = { username: 'tills-admin', password: 'tills-admin-password-1', role: 'admin' as const };
const CASHIER = { username: 'tills-cashier', password: 'tills-cashier-password-1', role: 'cashier' as const };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };

let stack: Stack;
let browser: Browser;
let adminToken: string;

const login = (page: Page, who: StaffCredentials, lang: 'en' | 'zh-HK') => signIn(page, stack.backendUrl, who, lang, { fresh: true });

beforeAll(async () => {
  stack = await startStack({ env: { POS_POLL_SCHEDULE_MS: '200,200' } });
  for (const s of [ADMIN, CASHIER]) await seedStaff(stack.dbUri, s.username, s.role, s.password);
  adminToken = (await stack.api('POST', '/api/admin/login', { body: { username: ADMIN.username, password: ADMIN.password } })).json.token;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});
afterEach(() => {
  expect(browser.pageErrors.splice(0)).toEqual([]);
});

async function fillTill(page: Page, t: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(t)) await page.getByTestId(`till-${key}`).fill(value);
}

const tillsNow = async () => ((await stack.api('GET', '/api/admin/tills', { token: adminToken })).json.items as TillView[]) ?? [];

test('an admin keeps the tills in either language, on a phone and a desktop', async () => {
  const page = await browser.newPage();
  // English on a phone: the empty list, then a till added through the form.
  await page.setViewportSize(PHONE);
  await login(page, ADMIN, 'en');
  await page.goto(`${stack.backendUrl}/admin/#/tills`);
  await expectText(page.getByTestId('tills-empty'), 'No till is set up yet');
  await checkPage(page, 'en 390 tills empty');
  await fillTill(page, {
    label: 'Front counter',
    storeId: 'HK-CEN',
    storeName: 'Central',
    storeAddress: '1 Queen’s Road Central',
    deviceId: 'POS-CEN-01',
    deviceIp: '10.8.0.21',
  });
  await page.getByTestId('till-submit').click();
  await expectText(page.getByTestId('tills-message'), 'Added Front counter.');
  await expectText(page.getByTestId('tills-table'), 'Central (HK-CEN)');
  await checkPage(page, 'en 390 tills list');
  await shot(page, 'tills-en-phone');

  // Limits in the unit WeChat Pay counts, said in words; a second till for the same device explained.
  await fillTill(page, { label: 'Too long', storeId: '中環皇后大道中一號分店', storeName: 'Central', deviceId: 'POS-X' });
  await page.getByTestId('till-submit').click();
  await expectText(page.getByTestId('till-form-error'), 'Store ID: too long, at most 32 bytes (a Chinese character takes 3).');
  await fillTill(page, { label: 'Copy', storeId: 'HK-CEN', storeName: 'Central', deviceId: 'POS-CEN-01' });
  await page.getByTestId('till-submit').click();
  await expectText(page.getByTestId('till-form-error'), 'Store HK-CEN already has a till with device ID POS-CEN-01.');
  await checkPage(page, 'en 390 tills form error');

  // Chinese on a desktop: a second store, an edit, disable and enable.
  await page.setViewportSize(DESKTOP);
  await page.getByTestId('lang').selectOption('zh-HK');
  await page.goto(`${stack.backendUrl}/admin/#/tills?zh=1`);
  await page.getByTestId('tills-table').waitFor();
  await fillTill(page, { label: '旺角收銀', storeId: 'HK-MK', storeName: '旺角店', storeAddress: '', deviceId: 'POS-MK-01', deviceIp: '' });
  await page.getByTestId('till-submit').click();
  await expectText(page.getByTestId('tills-message'), '已加入 旺角收銀。');
  await fillTill(page, { label: '店'.repeat(12), storeId: 'HK-MK', storeName: '旺角店', deviceId: '裝置號碼一二三四五六七八九十' });
  await page.getByTestId('till-submit').click();
  await expectText(page.getByTestId('till-form-error'), '裝置編號：太長，最多 32 位元組（每個中文字佔 3）。');
  const mkRow = page.locator('[data-testid="till-row"]', { hasText: '旺角收銀' });
  await mkRow.getByTestId('till-edit').click();
  expect(await page.getByTestId('till-label').inputValue()).toBe('旺角收銀');
  await page.getByTestId('till-label').fill('旺角前台');
  await page.getByTestId('till-deviceIp').fill('fd00::7');
  await page.getByTestId('till-submit').click();
  await expectText(page.getByTestId('tills-message'), '已儲存 旺角前台。');
  expect((await tillsNow()).find((x) => x.storeId === 'HK-MK')).toMatchObject({ label: '旺角前台', deviceIp: 'fd00::7' });
  await checkPage(page, 'zh-HK 1366 tills');

  // A spare till, disabled and enabled again: the state in words.
  await fillTill(page, { label: '後備', storeId: 'HK-CEN', storeName: 'Central', deviceId: 'POS-CEN-02', storeAddress: '', deviceIp: '' });
  await page.getByTestId('till-submit').click();
  await expectText(page.getByTestId('tills-message'), '已加入 後備。');
  const spare = page.locator('[data-testid="till-row"]', { hasText: '後備' });
  await spare.getByTestId('till-toggle').click();
  await expectText(page.getByTestId('tills-message'), '後備 已停用，不能再收款。');
  await expectText(page.locator('[data-testid="till-row"]', { hasText: '後備' }).getByTestId('till-state'), '已停用');
  await page.locator('[data-testid="till-row"]', { hasText: '後備' }).getByTestId('till-toggle').click();
  await expectText(page.getByTestId('tills-message'), '後備 可以再次收款。');
  await page.locator('[data-testid="till-row"]', { hasText: '後備' }).getByTestId('till-toggle').click();
  await expectText(page.getByTestId('tills-message'), '後備 已停用');
  await shot(page, 'tills-zh-desktop');

  // The other two combinations fit and pass axe-core too.
  for (const [lang, vp] of [
    ['zh-HK', PHONE],
    ['en', DESKTOP],
  ] as const) {
    await page.setViewportSize(vp);
    // On a phone the language picker is folded into the menu: the saved choice is read at start instead.
    await page.evaluate(`localStorage.setItem('console.lang', '${lang}')`);
    await page.goto(`${stack.backendUrl}/admin/#/tills?${lang}=${vp.width}`);
    await page.reload();
    await page.getByTestId('tills-table').waitFor();
    await page.locator('[data-testid="till-row"]').first().getByTestId('till-edit').click();
    await checkPage(page, `${lang} ${vp.width} tills editing`);
  }
  await page.close();

  // Only admins see the page; the API refuses the others anyway.
  const cashier = await browser.newPage();
  await login(cashier, CASHIER, 'en');
  expect(await cashier.getByTestId('nav-tills').count()).toBe(0);
  await cashier.close();
});

test('the POS chooses its till, remembers it on this device, and charges with listed items; the order and the statement show the store', async () => {
  const tills = await tillsNow();
  const central = tills.find((x) => x.deviceId === 'POS-CEN-01')!;
  const mk = tills.find((x) => x.storeId === 'HK-MK')!;
  const page = await browser.newPage();
  await page.setViewportSize(PHONE);
  await login(page, CASHIER, 'zh-HK');
  await page.goto(`${stack.backendUrl}/admin/#/pos`);
  await page.getByTestId('pos-till').waitFor();
  // Only the tills in use are offered; none chosen yet, so a charge asks for one.
  const options = await page.locator('[data-testid="pos-till"] option').allTextContents();
  expect(options).toEqual(['選擇收銀機…', 'Front counter · Central', '旺角前台 · 旺角店']);
  await page.getByTestId('pos-amount').fill('3.00');
  await page.getByTestId('pos-description').fill('Counter');
  await page.getByTestId('pos-auth-code').fill('134650720866361395');
  await page.getByTestId('pos-auth-code').press('Enter');
  await expectText(page.getByTestId('pos-error'), '請選擇進行此收款的收銀機。');
  await page.getByTestId('pos-till').selectOption(mk.id);
  await checkPage(page, 'zh-HK 390 pos');

  // Remembered on this device: a reload (or the next session) starts at the same till.
  await page.reload();
  await page.getByTestId('pos-till').waitFor();
  await page.waitForFunction(`document.querySelector('[data-testid="pos-till"]').value === '${mk.id}'`);

  // Items listed: the amount is their total, and the charge names the till.
  await page.getByTestId('pos-description').fill('旺角早餐');
  await page.getByTestId('pos-items-box').locator('summary').click();
  await page.getByTestId('pos-add-item').click();
  await page.getByTestId('pos-item-name').nth(0).fill('奶茶');
  await page.getByTestId('pos-item-qty').nth(0).fill('2');
  await page.getByTestId('pos-item-price').nth(0).fill('18.50');
  await page.getByTestId('pos-add-item').click();
  await page.getByTestId('pos-item-name').nth(1).fill('菠蘿油');
  await page.getByTestId('pos-item-price').nth(1).fill('12');
  expect(await page.getByTestId('pos-amount').inputValue()).toBe('49.00');
  expect(await page.getByTestId('pos-amount').getAttribute('readonly')).not.toBeNull();
  await checkPage(page, 'zh-HK 390 pos items');
  await shot(page, 'pos-items-zh-phone');
  await page.getByTestId('pos-auth-code').fill('134650720866361395');
  await page.getByTestId('pos-auth-code').press('Enter');
  await page.locator('[data-testid="pos-state"][data-state="SUCCESS"]').waitFor({ timeout: 60_000 });
  await expectText(page.getByTestId('pos-result-till'), '收銀機：旺角前台 · 旺角店');
  const outTradeNo = (await page.getByTestId('pos-out-trade-no').textContent())!;
  await checkPage(page, 'zh-HK 390 pos result');

  // The order shows where it was charged, and its lines.
  const found = await stack.api('GET', `/api/admin/orders?outTradeNo=${outTradeNo}`, { token: adminToken });
  const orderId = found.json.items[0].id as string;
  await page.goto(`${stack.backendUrl}/admin/#/orders/${orderId}`);
  await expectText(page.getByTestId('order-till'), '旺角前台 · 旺角店（HK-MK）· 裝置 POS-MK-01');
  await expectText(page.getByTestId('order-items'), '菠蘿油');
  await checkPage(page, 'zh-HK 390 order');
  await shot(page, 'order-till-zh-phone');

  // English on a desktop: a charge at the other till.
  await page.setViewportSize(DESKTOP);
  await page.getByTestId('lang').selectOption('en');
  await page.goto(`${stack.backendUrl}/admin/#/pos?en=1`);
  await page.getByTestId('pos-till').selectOption(central.id);
  await page.getByTestId('pos-amount').fill('23.00');
  await page.getByTestId('pos-description').fill('Counter sale');
  await page.getByTestId('pos-auth-code').fill('134650720866361395');
  await checkPage(page, 'en 1366 pos');
  await page.getByTestId('pos-auth-code').press('Enter');
  await page.locator('[data-testid="pos-state"][data-state="SUCCESS"]').waitFor({ timeout: 60_000 });
  await expectText(page.getByTestId('pos-result-till'), 'At Front counter · Central');

  // A remembered till that an admin disabled is forgotten; the cashier is asked again.
  await stack.api('POST', `/api/admin/tills/${central.id}/disable`, { token: adminToken });
  await page.goto(`${stack.backendUrl}/admin/#/pos?again=1`);
  await page.getByTestId('pos-till').waitFor();
  expect(await page.locator('[data-testid="pos-till"] option').allTextContents()).toEqual(['Choose the till…', '旺角前台 · 旺角店']);
  expect(await page.getByTestId('pos-till').inputValue()).toBe('');
  expect(await page.evaluate('localStorage.getItem("console.posTill")')).toBeNull();
  await stack.api('POST', `/api/admin/tills/${central.id}/enable`, { token: adminToken });
  await page.close();

  // The statement of today, per store, for the cashier (statements are open to every role).
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  for (const [lang, vp] of [
    ['en', PHONE],
    ['zh-HK', DESKTOP],
  ] as const) {
    const s = await browser.newPage();
    await s.setViewportSize(vp);
    await login(s, CASHIER, lang);
    await s.goto(`${stack.backendUrl}/admin/#/statements?date=${today}`);
    await s.getByTestId('statement-totals').waitFor();
    await expectText(s.getByTestId('statement-totals'), lang === 'en' ? 'HK$72.00' : 'HK$72.00'); // 49.00 + 23.00
    await s.waitForFunction(`document.querySelectorAll('[data-testid="statement-store"] option').length === 3`);
    await s.getByTestId('statement-store').selectOption('HK-MK');
    await s.getByTestId('statement-load').click();
    await s.waitForURL((u) => u.hash.includes('store=HK-MK'));
    await expectText(
      s.getByTestId('statement-store-note'),
      lang === 'en' ? 'Only the rows of orders charged at 旺角店 (HK-MK)' : '只包括在 旺角店 (HK-MK) 收款的訂單記錄',
    );
    const totals = await expectText(s.getByTestId('statement-totals'), 'HK$49.00');
    expect(totals).not.toContain('HK$72.00');
    await checkPage(s, `${lang} ${vp.width} statement per store`);
    await shot(s, `statement-store-${lang}-${vp.width}`);
    // The order list, one store's orders: only the Mong Kok charge.
    await s.goto(`${stack.backendUrl}/admin/#/orders`);
    await s.locator('[data-testid="filter-store"] option[value="HK-MK"]').waitFor({ state: 'attached' });
    expect(await s.locator('[data-testid="filter-store"] option').count()).toBe(3);
    await s.getByTestId('filter-store').selectOption('HK-MK');
    await s.getByTestId('orders-search').click();
    await s.waitForURL((u) => u.hash.includes('store=HK-MK'));
    await s.getByTestId('orders-table').waitFor();
    expect(await s.locator('[data-testid="orders-table"] tbody tr').count()).toBe(1);
    const listed = await expectText(s.getByTestId('orders-table'), 'HK$49.00');
    expect(listed).not.toContain('HK$23.00');
    await checkPage(s, `${lang} ${vp.width} orders per store`);
    await s.close();
  }
});
