/**
 * @jest-environment jsdom
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeBackend } from '../support/backend';
import { API_BASE_URL } from '../support/generated';
import { element, elements, openPage, tap, text, methods } from '../support/page';
import { MP_ROOT } from '../support/paths';
import { FakeWx, until } from '../support/wx';

const add = (page: ReturnType<typeof openPage>, sku: string) => methods(page).onAdd({ currentTarget: { dataset: { sku } } });

beforeEach(() => jest.resetModules());

test('lists active products with prices formatted by the currency exponent, in English', async () => {
  const backend = new FakeBackend();
  new FakeWx({ network: backend.network, language: 'en' }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'ready', 10000, 'catalog ready');
  const shown = text(page);
  expect(shown).toContain('Iced lemon tea');
  expect(shown).toContain('HK$28.00');
  expect(shown).toContain('HK$12.50');
  expect(shown).toContain('Fresh from the oven');
  expect(shown).not.toContain('Retired item');
});

test('follows a Chinese system language with zh-HK text', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network, language: 'zh_HK' }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('凍檸茶');
  expect(text(page)).toContain('結帳');
  expect(wx.titles).toContain('商店');
});

test('JPY prices have no decimals, and JPY and CNY are told apart (JP¥, CN¥)', async () => {
  const backend = new FakeBackend();
  backend.products = [
    { sku: 'RAMEN', name: { 'zh-HK': '拉麵', en: 'Ramen' }, price: 980, currency: 'JPY', active: true },
    { sku: 'BAOZI', name: { 'zh-HK': '包子', en: 'Baozi' }, price: 650, currency: 'CNY', active: true },
  ];
  new FakeWx({ network: backend.network }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('JP¥980');
  expect(text(page)).not.toContain('9.80');
  expect(text(page)).toContain('CN¥6.50');
  expect(text(page)).not.toMatch(/(^|[^A-Z])¥/);
});

test('each product shows its picture from the backend (a path on it is put after the API base URL)', async () => {
  const backend = new FakeBackend();
  backend.products[2]!.imageUrl = 'https://cdn.example.com/old.png';
  backend.products[2]!.active = true;
  new FakeWx({ network: backend.network }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'ready');
  const images = elements(page, '.product__image');
  expect(images.map((i) => i.tagName.toLowerCase())).toEqual(['wx-image', 'wx-view', 'wx-image']);
  expect(images[0]!.getAttribute('src')).toBe(`${API_BASE_URL}/images/products/tea.png`);
  expect(images[0]!.getAttribute('mode')).toBe('aspectFill');
  expect(images[0]!.getAttribute('aria-label')).toBe('Iced lemon tea');
  expect(images[2]!.getAttribute('src')).toBe('https://cdn.example.com/old.png');
});

test('the bottom bar shows the item count (plural forms) and the total at the catalog prices', async () => {
  const backend = new FakeBackend();
  new FakeWx({ network: backend.network }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('Your cart is empty');
  expect(element(page, '.checkout')!.getAttribute('disabled')).toBe('true');
  expect(element(page, '.checkout')!.getAttribute('type')).toBe('primary');
  add(page, 'TEA');
  expect(text(page)).toContain('Total HK$28.00');
  expect(text(page)).toContain('1 item');
  expect(text(page)).not.toContain('1 items');
  add(page, 'TEA');
  add(page, 'TART');
  expect(text(page)).toContain('Total HK$68.50');
  expect(text(page)).toContain('3 items');
  expect(element(page, '.checkout')!.hasAttribute('disabled')).toBe(false);
  expect(element(page, '.cart-bar')).not.toBeNull();
});

test('zh-HK: the bar counts 件商品 and totals 合計; the tab bar is labelled in Chinese', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network, language: 'zh_HK' }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'ready');
  add(page, 'TART');
  add(page, 'TART');
  expect(text(page)).toContain('合計 HK$25.00');
  expect(text(page)).toContain('2 件商品');
  expect([...wx.tabBar.entries()]).toEqual([
    [0, '商店'],
    [1, '我的訂單'],
  ]);
});

test('the + and - buttons are labelled for screen readers; + is disabled at the maximum', async () => {
  const backend = new FakeBackend();
  new FakeWx({ network: backend.network }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'ready');
  const plus = element(page, '.stepper__plus')!;
  expect(plus.getAttribute('aria-role')).toBe('button');
  expect(plus.getAttribute('aria-label')).toBe('Add one Iced lemon tea');
  expect(element(page, '.stepper__minus')).toBeNull();
  tap(page, '.stepper__plus');
  await until(() => page.data.cartCount === 1);
  const minus = element(page, '.stepper__minus')!;
  expect(minus.getAttribute('aria-label')).toBe('Remove one Iced lemon tea');
  for (let i = 0; i < 6; i++) add(page, 'TEA');
  expect(element(page, '.stepper__plus')!.getAttribute('aria-disabled')).toBe('true');
  expect(element(page, '.stepper__plus')!.className).toContain('stepper__btn--disabled');
  tap(page, '.stepper__minus');
  await until(() => page.data.cartCount === 4);
});

test('touch targets are at least 44 x 44 px and no style overrides a button with !important', () => {
  const app = readFileSync(join(MP_ROOT, 'app.wxss'), 'utf8');
  const rule = /\.stepper__btn \{([^}]*)\}/.exec(app)?.[1] ?? '';
  // 750rpx is the screen width: 88rpx is 44 px on a 375 px wide phone.
  expect(Number(/width:\s*(\d+)rpx/.exec(rule)?.[1])).toBeGreaterThanOrEqual(88);
  expect(Number(/height:\s*(\d+)rpx/.exec(rule)?.[1])).toBeGreaterThanOrEqual(88);
  for (const page of ['catalog', 'checkout', 'pay', 'result', 'orders', 'order-detail', 'sandbox-cashier']) {
    const wxss = readFileSync(join(MP_ROOT, 'pages', page, 'index.wxss'), 'utf8');
    const wxml = readFileSync(join(MP_ROOT, 'pages', page, 'index.wxml'), 'utf8');
    expect(`${page}: ${wxss}`).not.toContain('!important');
    expect(`${page}: ${wxml}`).not.toMatch(/class="[^"]*\bprimary\b/);
  }
  expect(app).not.toContain('!important');
});

test('a tab bar leads to the shop and my orders, with icons that exist', () => {
  const app = JSON.parse(readFileSync(join(MP_ROOT, 'app.json'), 'utf8')) as {
    tabBar: { list: { pagePath: string; iconPath: string; selectedIconPath: string }[] };
  };
  expect(app.tabBar.list.map((i) => i.pagePath)).toEqual(['pages/catalog/index', 'pages/orders/index']);
  for (const item of app.tabBar.list) {
    for (const icon of [item.iconPath, item.selectedIconPath]) {
      const png = readFileSync(join(MP_ROOT, icon));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeLessThan(40 * 1024); // WeChat's limit for tab bar icons
    }
  }
});

test('adding to the cart stores quantities, respects the per-item maximum and enables checkout', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'ready');
  expect(page.data.cartCount).toBe(0);
  for (let i = 0; i < 7; i++) add(page, 'TEA');
  expect(page.data.cartCount).toBe(5); // maxQuantityPerItem
  methods(page).onRemove({ currentTarget: { dataset: { sku: 'TEA' } } });
  expect((wx.storage.get('cart') as { items: Record<string, number> }).items).toEqual({ TEA: 4 });
  expect(text(page)).toContain('4 items');
  expect(text(page)).toContain('Total HK$112.00');
  tap(page, '.checkout');
  await until(() => wx.navigations.length > 0);
  expect(wx.navigations[0]).toEqual({ kind: 'navigateTo', url: '/pages/checkout/index' });
});

test('an empty catalog says so', async () => {
  const backend = new FakeBackend();
  backend.products = [];
  new FakeWx({ network: backend.network }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'empty');
  expect(text(page)).toContain('No products yet.');
});

test('a network failure shows a clear message and retry loads again', async () => {
  const backend = new FakeBackend();
  backend.override('GET /api/products', { fail: 'request:fail net::ERR_CONNECTION_REFUSED' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'error');
  expect(text(page)).toContain('No connection to the shop');
  // No disabled checkout bar under the error: only the message and its retry.
  expect(element(page, '.checkout')).toBeNull();
  expect(text(page)).not.toContain('Checkout');
  tap(page, '.state-view >>> .state__retry');
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('Iced lemon tea');
  expect(wx.requests.filter((r) => r.url.endsWith('/api/products'))).toHaveLength(2);
});

test('a timeout is reported as a timeout', async () => {
  const backend = new FakeBackend();
  backend.override('GET /api/config', { fail: 'request:fail timeout' });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'error');
  expect(text(page)).toContain('took too long');
  expect(wx.requests[0]!.timeout).toBeGreaterThan(0);
});
