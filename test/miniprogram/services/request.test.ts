/**
 * @jest-environment jsdom
 */
// The request module over wx.request: base URL, JWT, timeout, silent re-login on 401, error texts.
import { FakeBackend } from '../support/backend';
import { FakeWx } from '../support/wx';
import '../support/generated';

type AppErrorT = InstanceType<typeof import('../../../miniprogram/services/errors').AppError>;

type Services = {
  request: typeof import('../../../miniprogram/services/request');
  session: typeof import('../../../miniprogram/services/session');
  errors: typeof import('../../../miniprogram/services/errors');
  api: typeof import('../../../miniprogram/services/api');
  config: typeof import('../../../miniprogram/services/config');
  env: typeof import('../../../miniprogram/generated/env');
};

function load(): Services {
  jest.resetModules();
  return {
    request: require('../../../miniprogram/services/request'),
    session: require('../../../miniprogram/services/session'),
    errors: require('../../../miniprogram/services/errors'),
    api: require('../../../miniprogram/services/api'),
    config: require('../../../miniprogram/services/config'),
    env: require('../../../miniprogram/generated/env'),
  };
}

test('logs in with the wx.login code, keeps the JWT in storage and sends it with the configured base URL and a timeout', async () => {
  const { api, env } = load();
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network, loginCode: 'the-code' }).install();
  await api.fetchOrder('o1');
  await api.fetchOrder('o1');
  expect(wx.logins).toBe(1);
  expect(new URL(wx.requests[0]!.url).pathname).toBe('/api/config'); // live or sandbox login?
  const login = wx.requests[1]!;
  expect(login.url).toBe(`${env.API_BASE_URL}/api/auth/login`);
  expect(login.data).toEqual({ code: 'the-code' });
  const stored = wx.storage.get('session') as { token: string; expiresAt: number };
  expect(stored.token).toBe('tok-1');
  expect(stored.expiresAt).toBeGreaterThan(Date.now() + 7000 * 1000);
  for (const r of wx.requests.slice(2)) {
    expect(r.url).toBe(`${env.API_BASE_URL}/api/orders/o1`);
    expect(r.header.Authorization).toBe('Bearer tok-1');
    expect(r.timeout).toBeGreaterThanOrEqual(5000);
  }
});

test('concurrent requests share one login', async () => {
  const { api } = load();
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  await Promise.all([api.fetchOrder('o1'), api.fetchOrders(1, 20), api.fetchOrder('o1')]);
  expect(wx.logins).toBe(1);
});

test('public endpoints need no login', async () => {
  const { api, config } = load();
  const backend = new FakeBackend();
  const wx = new FakeWx({ network: backend.network }).install();
  await api.fetchProducts();
  await config.getClientConfig();
  expect(wx.logins).toBe(0);
  expect(wx.requests.every((r) => !r.header.Authorization)).toBe(true);
});

test('a 401 renews the session silently once and repeats the request once', async () => {
  const { api } = load();
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  wx.storage.set('session', { token: 'revoked', expiresAt: Date.now() + 3600_000 });
  const order = await api.fetchOrder('o1');
  expect(order.id).toBe('o1');
  expect(wx.logins).toBe(1);
  expect(wx.requests.map((r) => `${r.method} ${new URL(r.url).pathname} ${r.header.Authorization ?? ''}`)).toEqual([
    'GET /api/orders/o1 Bearer revoked',
    'GET /api/config ',
    'POST /api/auth/login ',
    'GET /api/orders/o1 Bearer tok-1',
  ]);
});

test('a second 401 is reported, not looped', async () => {
  const { api, errors } = load();
  const backend = new FakeBackend();
  backend.override('GET /api/orders/o1', { status: 401, body: { code: 'TOKEN_EXPIRED', message: 'x' } }, 5);
  const wx = new FakeWx({ network: backend.network }).install();
  const err = await api.fetchOrder('o1').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(errors.AppError);
  expect((err as AppErrorT).code).toBe('TOKEN_EXPIRED');
  expect(wx.logins).toBe(2); // the first login, then one renewal
  expect(wx.requests.filter((r) => r.url.endsWith('/api/orders/o1'))).toHaveLength(2);
});

test('an expired stored token is replaced before the request', async () => {
  const { api } = load();
  const backend = new FakeBackend();
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  wx.storage.set('session', { token: 'old', expiresAt: Date.now() - 1 });
  await api.fetchOrder('o1');
  expect(wx.requests[1]!.url).toMatch(/\/api\/auth\/login$/);
  expect(wx.requests[2]!.header.Authorization).toBe('Bearer tok-1');
});

test('against the sandbox the login code comes from the backend for a test user kept on the device, not wx.login', async () => {
  const { api, session } = load();
  const backend = new FakeBackend({ sandbox: true });
  backend.addOrder({ id: 'o1' });
  const wx = new FakeWx({ network: backend.network }).install();
  await api.fetchOrder('o1');
  expect(wx.logins).toBe(0);
  const user = wx.storage.get('sandboxUser') as string;
  expect(user).toMatch(/^mp-[a-z0-9]{12}$/);
  const login = wx.requests.find((r) => r.url.endsWith('/api/auth/login'))!;
  expect(login.data).toEqual({ code: `sandbox-code-${user}` });
  // Signed out and back in: the same simulated customer.
  session.signOut();
  await api.fetchOrder('o1');
  expect(backend.sandboxLogins).toEqual([user, user]);
});

test('wx.login failing is a login error with its own text', async () => {
  const { api } = load();
  const backend = new FakeBackend();
  new FakeWx({ network: backend.network, loginCode: null }).install();
  const err = (await api.fetchOrder('o1').catch((e: unknown) => e)) as AppErrorT;
  expect(err.code).toBe('LOGIN_FAILED');
  expect(err.message).toBe('Could not sign you in with WeChat. Please try again.');
});

test.each([
  [400, 'VALIDATION_FAILED', 'Some details are not valid'],
  [403, 'FORBIDDEN', 'not allowed'],
  [404, 'ORDER_NOT_FOUND', 'This order could not be found.'],
  [409, 'ORDER_NOT_PAYABLE', 'can no longer be paid'],
  [409, 'IDEMPOTENCY_MISMATCH', 'Your cart changed'],
  [413, 'PAYLOAD_TOO_LARGE', 'Too many items'],
  [415, 'UNSUPPORTED_MEDIA_TYPE', 'could not be read'],
  [429, 'TOO_MANY_REQUESTS', 'Too many attempts'],
  [502, 'PAYMENT_PROVIDER_ERROR', 'WeChat Pay had a problem'],
  [503, 'PAYMENT_PROVIDER_UNAVAILABLE', 'WeChat Pay is not available'],
])('HTTP %i %s has its own message', async (status, code, message) => {
  const { api } = load();
  const backend = new FakeBackend();
  backend.override('GET /api/orders/o1', { status, body: { code, message: 'server words', requestId: 'req-9' } });
  new FakeWx({ network: backend.network }).install();
  const err = (await api.fetchOrder('o1').catch((e: unknown) => e)) as AppErrorT;
  expect(err.code).toBe(code);
  expect(err.status).toBe(status);
  expect(err.requestId).toBe('req-9');
  expect(err.message).toContain(message);
});

test('an unknown code falls back on the status; a non-JSON 2xx is a bad response', async () => {
  const { api } = load();
  const backend = new FakeBackend();
  backend.override('GET /api/orders/o1', { status: 404, body: '<html>nginx</html>' });
  backend.override('GET /api/orders/o2', { status: 200, body: 'oops' });
  new FakeWx({ network: backend.network, language: 'zh_HK' }).install();
  const notFound = (await api.fetchOrder('o1').catch((e: unknown) => e)) as AppErrorT;
  expect(notFound.code).toBe('NOT_FOUND');
  expect(notFound.message).toBe('找不到資料。');
  const bad = (await api.fetchOrder('o2').catch((e: unknown) => e)) as AppErrorT;
  expect(bad.code).toBe('BAD_RESPONSE');
});

test('network failure and timeout are told apart', async () => {
  const { api } = load();
  const backend = new FakeBackend();
  backend.override('GET /api/products', { fail: 'request:fail timeout' });
  backend.override('GET /api/products', { fail: 'request:fail net::ERR_INTERNET_DISCONNECTED' });
  new FakeWx({ network: backend.network }).install();
  const t = (await api.fetchProducts().catch((e: unknown) => e)) as AppErrorT;
  const n = (await api.fetchProducts().catch((e: unknown) => e)) as AppErrorT;
  expect([t.code, t.retryable, t.status]).toEqual(['TIMEOUT', true, 0]);
  expect([n.code, n.retryable, n.status]).toEqual(['NETWORK', true, 0]);
});
