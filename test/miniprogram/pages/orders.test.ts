/**
 * @jest-environment jsdom
 */
import { FakeBackend } from '../support/backend';
import { methods, openPage, tap, text } from '../support/page';
import { FakeWx, until } from '../support/wx';

beforeEach(() => jest.resetModules());

test('lists orders with status, total and items; tapping one opens its detail', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1', status: 'PAID', total: 2800 });
  backend.addOrder({ id: 'o2', status: 'PENDING', total: 1250 });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('orders');
  await until(() => page.data.state === 'ready');
  const shown = text(page);
  expect(shown).toContain('Paid');
  expect(shown).toContain('Awaiting payment');
  expect(shown).toContain('HK$28.00');
  expect(shown).toContain('HK$12.50');
  expect(shown).toContain('No more orders');
  tap(page, '.order');
  await until(() => wx.navigations.length > 0);
  expect(wx.navigations[0]).toEqual({ kind: 'navigateTo', url: '/pages/order-detail/index?id=o2' });
});

test('loads further pages at the bottom without repeating rows', async () => {
  const backend = new FakeBackend();
  for (let i = 1; i <= 25; i++) backend.addOrder({ id: `o${i}` });
  const wx = new FakeWx({ network: backend.network }).install();
  const page = openPage('orders');
  await until(() => page.data.state === 'ready');
  expect(page.data.orders).toHaveLength(20);
  expect(text(page)).toContain('Load more');
  methods(page).onReachBottom();
  await until(() => page.data.orders.length === 25);
  expect(new Set(page.data.orders.map((o: { id: string }) => o.id)).size).toBe(25);
  expect(text(page)).toContain('No more orders');
  methods(page).onReachBottom();
  await new Promise((r) => setTimeout(r, 20));
  expect(wx.requests.filter((r) => r.url.includes('/api/orders?'))).toHaveLength(2);
});

test('no orders yet', async () => {
  const backend = new FakeBackend();
  new FakeWx({ network: backend.network, language: 'zh_CN' }).install();
  const page = openPage('orders');
  await until(() => page.data.state === 'empty');
  expect(text(page)).toContain('暫時未有訂單。');
});

test('a 429 shows the rate-limit text and retry reloads', async () => {
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  backend.override('GET /api/orders', { status: 429, body: { code: 'TOO_MANY_REQUESTS', message: 'slow down' } });
  new FakeWx({ network: backend.network }).install();
  const page = openPage('orders');
  await until(() => page.data.state === 'error');
  expect(text(page)).toContain('Too many attempts');
  tap(page, '.state-view >>> .state__retry');
  await until(() => page.data.state === 'ready');
});
