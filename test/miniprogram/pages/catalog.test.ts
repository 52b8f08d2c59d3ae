/**
 * @jest-environment jsdom
 */
import { FakeBackend } from '../support/backend';
import { openPage, tap, text, methods } from '../support/page';
import { FakeWx, until } from '../support/wx';

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

test('JPY prices have no decimals', async () => {
  const backend = new FakeBackend();
  backend.products = [{ sku: 'RAMEN', name: { 'zh-HK': '拉麵', en: 'Ramen' }, price: 980, currency: 'JPY', active: true }];
  new FakeWx({ network: backend.network }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'ready');
  expect(text(page)).toContain('¥980');
  expect(text(page)).not.toContain('¥9.80');
});

test('adding to the cart stores quantities, respects the per-item maximum and enables checkout', async () => {
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('catalog');
  await until(() => page.data.state === 'ready');
  expect(page.data.cartCount).toBe(0);
  for (let i = 0; i < 7; i++) methods(page).onAdd({ currentTarget: { dataset: { sku: 'TEA' } } });
  expect(page.data.cartCount).toBe(5); // maxQuantityPerItem
  methods(page).onRemove({ currentTarget: { dataset: { sku: 'TEA' } } });
  expect((wx.storage.get('cart') as { items: Record<string, number> }).items).toEqual({ TEA: 4 });
  expect(text(page)).toContain('Checkout (4)');
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
