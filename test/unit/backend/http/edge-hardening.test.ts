// Text limits in WeChat's unit, single-audience tokens, security headers, the per-customer order rate, the
// WeChat Pay call budget and the per-IP connection cap.
import { connect } from 'node:net';
import jwt from 'jsonwebtoken';
import mongoose from 'mongoose';
import { TEXT_LIMITS, textProblem, truncateText } from '../../../../shared/text-limits';
import { signToken, verifyToken } from '../../../../server/src/auth/jwt';
import { rateLimitedGateway } from '../../../../server/src/gateway/rate-limited-gateway';
import { createLimitedServer } from '../../../../server/src/http/server-limits';
import { orderSchema } from '../../../../server/src/storage/mongo/models/order';
import { serve, type Served } from '../../../support/http';
import { refusingGateway, TEST_ENV, testBackend } from '../../../support/backend-app';

const EMOJI = '\u{1F600}';
const SAMPLES: Record<string, string> = {
  emoji: EMOJI.repeat(20),
  combining: 'e\u0301'.repeat(20),
  cjkExtB: '\u{20000}'.repeat(20),
  rtl: '\u202Eabc\u200F\u05D0\u05D1',
  loneHigh: 'ab\uD83Dcd',
  loneLow: 'ab\uDE00cd',
};

describe('text limits', () => {
  test('WeChat fields count UTF-8 bytes; unpaired surrogates are refused', () => {
    expect(textProblem('a'.repeat(80), 'refundReason')).toBeUndefined();
    expect(textProblem(EMOJI.repeat(20), 'refundReason')).toBeUndefined(); // 80 bytes
    expect(textProblem(EMOJI.repeat(21), 'refundReason')).toMatch(/at most 80/);
    expect(textProblem('\u4E2D'.repeat(43), 'posDescription')).toMatch(/at most 127/); // 129 bytes
    expect(textProblem(SAMPLES.loneHigh!, 'posDescription')).toMatch(/surrogate/);
    expect(textProblem(SAMPLES.loneLow!, 'staffUsername')).toMatch(/surrogate/);
    expect(textProblem(EMOJI.repeat(64), 'staffUsername')).toBeUndefined(); // code points
  });

  test('truncation keeps whole code points and fits the model', () => {
    const long = `${'\u{20000}'.repeat(40)}`;
    const cut = truncateText(long, 'orderDescription');
    expect(textProblem(cut, 'orderDescription')).toBeUndefined();
    expect(cut.endsWith('...')).toBe(true);
    const Order = mongoose.model('OrderTextProbe', orderSchema);
    const doc = (description: string) =>
      new Order({ outTradeNo: 'M20240101000000abcdef', customerOpenid: 'o', clientRequestId: 'r', description, total: 1, currency: 'HKD' });
    expect(doc(cut).validateSync()?.errors.description).toBeUndefined();
    expect(doc(EMOJI.repeat(64)).validateSync()?.errors.description).toBeDefined(); // 256 bytes
    expect(doc(SAMPLES.loneHigh!).validateSync()?.errors.description).toBeDefined();
    expect(TEXT_LIMITS.orderDescription.max).toBe(127);
  });
});

describe('the HTTP edge', () => {
  let served: Served;
  let admin: string;
  beforeAll(async () => {
    const backend = testBackend({ env: { CUSTOMER_ORDER_BURST: '2', CUSTOMER_ORDERS_PER_MINUTE: '1', HSTS_MAX_AGE_SECONDS: '31536000' } });
    await backend.accounts.create('admin1', 'admin-password-123', 'admin');
    served = await serve(backend.app.callback());
    admin = signToken(TEST_ENV.JWT_SECRET, { sub: 'admin1', aud: 'staff', role: 'admin' }, 600);
  });
  afterAll(() => served.close());
  const post = (path: string, body: unknown, token?: string) =>
    fetch(served.url + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  test('every text field, with every kind of text: 2xx-4xx, never 500; unpaired surrogates 400', async () => {
    const id = '0123456789abcdef01234567';
    for (const [name, text] of Object.entries({ ...SAMPLES, long: EMOJI.repeat(41), longCjk: '\u{20000}'.repeat(70) })) {
      const refund = await post(`/api/admin/orders/${id}/refunds`, { amount: 1, reason: text, requestId: 'req-12345678' }, admin);
      const pos = await post(
        '/api/admin/pos/charge',
        { authCode: '134567890123456789', amount: 1, description: text, requestId: 'req-12345678' },
        admin,
      );
      const login = await post('/api/admin/login', { username: text, password: text });
      // The refund's order does not exist (404) and the login fails (401): no 5xx from any text.
      for (const r of [refund, login]) expect({ name, status: r.status < 500 }).toEqual({ name, status: true });
      // This test's gateway refuses every call: a valid description gets past validation (not 400).
      const valid = !name.startsWith('lone') && !name.startsWith('long');
      expect({ name, refused: pos.status === 400 }).toEqual({ name, refused: !valid });
      if (name.startsWith('lone')) for (const r of [refund, pos, login]) expect(r.status).toBe(400);
      if (name.startsWith('long')) for (const r of [refund, pos]) expect(r.status).toBe(400);
    }
  });

  test('a token with an array audience passes no route', async () => {
    const token = jwt.sign({}, TEST_ENV.JWT_SECRET, {
      algorithm: 'HS256',
      subject: 'openid-x',
      audience: ['customer', 'staff'],
      issuer: 'wxpay-backend',
      expiresIn: 600,
    });
    expect(() => verifyToken(TEST_ENV.JWT_SECRET, token, 'customer')).toThrow();
    const res = await fetch(`${served.url}/api/orders`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  test('security headers: nosniff, CSP (console 404 too), no-store on personal data, HSTS when configured', async () => {
    const orders = await fetch(`${served.url}/api/orders`);
    expect(orders.headers.get('cache-control')).toBe('no-store');
    expect(orders.headers.get('x-content-type-options')).toBe('nosniff');
    expect(orders.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const login = await post('/api/auth/login', {});
    expect(login.headers.get('cache-control')).toBe('no-store');
    const adminList = await fetch(`${served.url}/api/admin/orders`, { headers: { Authorization: `Bearer ${admin}` } });
    expect(adminList.headers.get('cache-control')).toBe('no-store');
    const missing = await fetch(`${served.url}/admin/no-such-file.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(missing.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('one customer creating orders fast gets 429 with Retry-After', async () => {
    const token = signToken(TEST_ENV.JWT_SECRET, { sub: 'openid-fast', aud: 'customer' }, 600);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const r = await post('/api/orders', { items: [{ sku: 'milk-tea', quantity: 1 }], clientRequestId: `fast-order-${i}` }, token);
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    expect(statuses.slice(0, 2)).not.toContain(429);
    expect(statuses.slice(2)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});

test('the WeChat Pay call budget refuses beyond N calls a second, before anything is sent', async () => {
  let sent = 0;
  const inner = { ...refusingGateway(), queryByOutTradeNo: async () => (sent++, undefined) };
  let now = 0;
  const g = rateLimitedGateway(inner, { perSecond: 3 }, () => now);
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => g.queryByOutTradeNo('M1')));
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  expect(sent).toBe(3);
  const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  expect(refused.reason).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
  now = 1000;
  await expect(g.queryByOutTradeNo('M1')).resolves.toBeUndefined();
});

test('the per-IP connection cap closes sockets beyond it', async () => {
  const { server, applied } = createLimitedServer((_req, res) => res.end('ok'), {
    headersTimeoutMs: 2000,
    requestTimeoutMs: 5000,
    keepAliveTimeoutMs: 5000,
    maxConnectionsPerIp: 3,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const closed: boolean[] = [];
  const socks = Array.from({ length: 5 }, (_, i) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined).on('close', () => (closed[i] = true));
    return s;
  });
  await new Promise((r) => setTimeout(r, 300));
  expect(closed.filter(Boolean)).toHaveLength(2);
  expect(applied.refused()).toBe(2);
  expect(server.headersTimeout).toBe(2000);
  for (const s of socks) s.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
