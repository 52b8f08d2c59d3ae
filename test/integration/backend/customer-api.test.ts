// Customer API rules over real HTTP: authorization (own orders only, JWT attacks), strict validation, body
// limits, idempotency, catalog prices, and the error shape.
import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startStack, type Stack } from '../../support/stack';

let stack: Stack;
let alice: string;
let bob: string;
beforeAll(async () => {
  // Alice places about twenty orders in quick succession here (bad inputs count too): the per-customer order rate
  // (tested in edge-hardening.test.ts) is raised so that a fast run does not meet it.
  stack = await startStack({ env: { JOBS_ENABLED: 'false', CUSTOMER_ORDER_BURST: '200' } });
  [alice, bob] = await Promise.all([stack.loginCustomer('alice'), stack.loginCustomer('bob')]);
});
afterAll(async () => {
  await stack?.stop();
});

const order = (clientRequestId: string, items: unknown = [{ sku: 'milk-tea', quantity: 1 }]) => ({ items, clientRequestId });

test('login: a used or unknown code is 401; a malformed body is 400', async () => {
  const code = await stack.sandbox.admin.loginCode('carol', stack.env.WECHATPAY_APPID);
  const first = await stack.api('POST', '/api/auth/login', { body: { code } });
  expect(first.status).toBe(200);
  expect(first.json).toEqual({ token: expect.any(String), expiresIn: 7200 });
  expect(JSON.stringify(first.json)).not.toMatch(/session_key/);
  const reused = await stack.api('POST', '/api/auth/login', { body: { code } });
  expect(reused.status).toBe(401);
  expect(reused.json.code).toBe('UNAUTHENTICATED');
  expect((await stack.api('POST', '/api/auth/login', { body: { code: 'nope' } })).status).toBe(401);
  const extra = await stack.api('POST', '/api/auth/login', { body: { code, admin: true } });
  expect(extra.status).toBe(400);
  expect(extra.json).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: expect.any(Object) } });
});

test('customers see only their own orders', async () => {
  const mine = await stack.api('POST', '/api/orders', { token: alice, body: order('own-orders-1') });
  expect(mine.status).toBe(201);
  const id = mine.json.order.id;
  const other = await stack.api('GET', `/api/orders/${id}`, { token: bob });
  expect(other.status).toBe(404);
  expect(other.json.code).toBe('ORDER_NOT_FOUND');
  expect((await stack.api('POST', `/api/orders/${id}/pay`, { token: bob })).status).toBe(404);
  expect((await stack.api('GET', '/api/orders', { token: bob })).json.items.map((o: { id: string }) => o.id)).not.toContain(id);
  expect((await stack.api('GET', `/api/orders/${id}`, { token: alice })).status).toBe(200);
  const cashier = await stack.api('POST', '/api/sandbox/cashier', {
    token: bob,
    body: { orderId: id, payment: mine.json.payment, action: 'pay' },
  });
  expect(cashier.status).toBe(404);
  // Bob reusing alice's clientRequestId gets his own, new order.
  const bobs = await stack.api('POST', '/api/orders', { token: bob, body: order('own-orders-1') });
  expect(bobs.status).toBe(201);
  expect(bobs.json.order.id).not.toBe(id);
});

test('JWT attacks: missing, tampered, alg:none, HS512, expired, wrong audience -> 401', async () => {
  const secret = stack.env.JWT_SECRET!;
  const now = Math.floor(Date.now() / 1000);
  const sub = (await stack.openidOf('alice')) as string;
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const claims = { sub, aud: 'customer', iss: 'wxpay-backend', iat: now, exp: now + 600 };
  const [h, p, s] = alice.split('.');
  const forgedPayload = b64({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'o_someone_else' });
  const hs256 = (payload: unknown, header = { alg: 'HS256', typ: 'JWT' }, key = secret) => {
    const hp = `${b64(header)}.${b64(payload)}`;
    return `${hp}.${createHmac('sha256', key).update(hp).digest('base64url')}`;
  };
  const cases: Record<string, string | undefined> = {
    missing: undefined,
    garbage: 'not-a-token',
    tampered: `${h}.${forgedPayload}.${s}`,
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    HS512: jwt.sign(claims, secret, { algorithm: 'HS512' }),
    'other secret': hs256(claims, undefined, 'x'.repeat(64)),
    expired: hs256({ ...claims, iat: now - 7200, exp: now - 3600 }),
    'staff audience': hs256({ ...claims, aud: 'staff', role: 'admin' }),
    'no issuer': hs256({ sub, aud: 'customer', iat: now, exp: now + 600 }),
  };
  for (const [name, token] of Object.entries(cases)) {
    const r = await stack.api('GET', '/api/orders', { token });
    expect({ name, status: r.status }).toEqual({ name, status: 401 });
    expect(['UNAUTHENTICATED', 'TOKEN_EXPIRED']).toContain(r.json.code);
    expect(JSON.stringify(r.json)).not.toMatch(/at .*\.ts|stack/i);
  }
  // The honest control: the same construction with the right secret is accepted.
  expect((await stack.api('GET', '/api/orders', { token: hs256(claims) })).status).toBe(200);
});

test('order validation: unknown fields, bad quantities, unknown sku, bad ids -> 4xx with the error shape', async () => {
  const bad: [unknown, number, string][] = [
    [{ ...order('valid-key-01'), price: 1 }, 400, 'VALIDATION_FAILED'],
    [order('valid-key-02', [{ sku: 'milk-tea', quantity: 1, price: 1 }]), 400, 'VALIDATION_FAILED'],
    [order('valid-key-03', [{ sku: 'milk-tea', quantity: 0 }]), 400, 'VALIDATION_FAILED'],
    [order('valid-key-04', [{ sku: 'milk-tea', quantity: 21 }]), 400, 'VALIDATION_FAILED'],
    [order('valid-key-05', [{ sku: 'milk-tea', quantity: 1.5 }]), 400, 'VALIDATION_FAILED'],
    [order('valid-key-06', [{ sku: 'milk-tea', quantity: '1' }]), 400, 'VALIDATION_FAILED'],
    [order('valid-key-07', []), 400, 'VALIDATION_FAILED'],
    [
      order(
        'valid-key-08',
        Array.from({ length: 11 }, (_, i) => ({ sku: `s${i}`, quantity: 1 })),
      ),
      400,
      'VALIDATION_FAILED',
    ],
    [
      order('valid-key-09', [
        { sku: 'milk-tea', quantity: 1 },
        { sku: 'milk-tea', quantity: 2 },
      ]),
      400,
      'VALIDATION_FAILED',
    ],
    [order('valid-key-10', [{ sku: 'no-such-thing', quantity: 1 }]), 404, 'PRODUCT_NOT_FOUND'],
    [order('short'), 400, 'VALIDATION_FAILED'],
    [[1, 2], 400, 'VALIDATION_FAILED'],
  ];
  for (const [body, status, code] of bad) {
    const r = await stack.api('POST', '/api/orders', { token: alice, body });
    expect({ body, status: r.status, code: r.json.code }).toEqual({ body, status, code });
    expect(typeof r.json.message).toBe('string');
  }
  expect((await stack.api('POST', '/api/orders', { token: alice, body: '{"items": [' })).json.code).toBe('INVALID_JSON');
  const big = await stack.api('POST', '/api/orders', {
    token: alice,
    body: JSON.stringify({ ...order('valid-key-11'), pad: 'x'.repeat(64 * 1024) }),
  });
  expect(big.status).toBe(413);
  const form = await stack.api('POST', '/api/orders', {
    token: alice,
    body: 'items=1',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  expect(form.status).toBe(415);
  expect((await stack.api('GET', '/api/orders/not-an-id', { token: alice })).status).toBe(400);
  expect((await stack.api('GET', '/api/orders/0123456789abcdef01234567', { token: alice })).status).toBe(404);
  expect((await stack.api('GET', '/api/orders?pageSize=1000', { token: alice })).status).toBe(400);
  expect((await stack.api('GET', '/api/orders?evil=1', { token: alice })).status).toBe(400);
});

test('prices come from the catalog; idempotency per clientRequestId, concurrent requests included', async () => {
  const body = order('idem-key-0001', [{ sku: 'pineapple-bun', quantity: 3 }]);
  const results = await Promise.all(Array.from({ length: 6 }, () => stack.api('POST', '/api/orders', { token: alice, body })));
  const ids = new Set(results.map((r) => r.json.order?.id));
  expect(ids.size).toBe(1);
  expect(results.filter((r) => r.status === 201).length).toBe(1);
  expect(results.every((r) => r.status === 201 || r.status === 200)).toBe(true);
  expect(results[0]!.json.order).toMatchObject({
    total: 3 * 1600,
    currency: 'HKD',
    items: [{ sku: 'pineapple-bun', unitPrice: 1600, quantity: 3, amount: 4800 }],
  });
  const different = await stack.api('POST', '/api/orders', {
    token: alice,
    body: order('idem-key-0001', [{ sku: 'pineapple-bun', quantity: 4 }]),
  });
  expect(different.status).toBe(409);
  expect(different.json.code).toBe('IDEMPOTENCY_MISMATCH');
  // A fresh paySign on each pay attempt, same prepay.
  const id = results[0]!.json.order.id;
  const p1 = await stack.api('POST', `/api/orders/${id}/pay`, { token: alice });
  const p2 = await stack.api('POST', `/api/orders/${id}/pay`, { token: alice });
  expect(p1.status).toBe(200);
  expect(p1.json.payment.package).toBe(p2.json.payment.package);
  expect(p1.json.payment.nonceStr).not.toBe(p2.json.payment.nonceStr);
  expect((await stack.api('POST', `/api/orders/${id}/pay`, { token: alice, body: { amount: 1 } })).status).toBe(400);
});

test('GET /api/orders/:id syncs a stale pending order with WeChat (jobs off, notification dropped)', async () => {
  await stack.sandbox.admin.faults({ rates: { notifyDrop: 1 } });
  try {
    const created = await stack.api('POST', '/api/orders', { token: alice, body: order('sync-on-read-1') });
    expect(created.status).toBe(201);
    expect((await stack.payInSandbox(created.json.order.id, created.json.payment)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1200)); // ORDER_SYNC_STALE_SECONDS=1 in the test stack
    const seen = await stack.api('GET', `/api/orders/${created.json.order.id}`, { token: alice });
    expect(seen.json).toMatchObject({ status: 'PAID', refundableAmount: created.json.order.total });
  } finally {
    await stack.sandbox.admin.faults({ rates: { notifyDrop: 0 } });
  }
});

test('readiness reports the database and fresh platform certificates', async () => {
  const r = await stack.api('GET', '/readyz');
  expect(r.status).toBe(200);
  expect(r.json).toEqual({ status: 'ready', checks: expect.objectContaining({ database: true, certificates: true }) });
});

test('logs carry request ids and never the token, paySign or session_key', async () => {
  const created = await stack.api('POST', '/api/orders', { token: alice, body: order('log-check-001') });
  expect(created.status).toBe(201);
  const logs = stack.backendLogs();
  expect(logs).toContain('"requestId"');
  expect(logs).not.toContain(alice);
  expect(logs).not.toContain(alice.split('.')[2]!);
  expect(logs).not.toContain(created.json.payment.paySign);
  expect(logs).not.toMatch(/session_key"\s*:\s*"(?!\[redacted\])/);
  expect(logs).not.toContain(stack.env.WECHATPAY_APIV3_KEY!);
  expect(logs).not.toContain(stack.env.JWT_SECRET!);
});

test('a wrong method on a known path is 405 with the error shape; unknown paths 404', async () => {
  const del = await stack.api('DELETE', '/api/orders', { token: alice });
  expect(del.status).toBe(405);
  expect(del.json).toMatchObject({ message: expect.any(String), code: 'METHOD_NOT_ALLOWED' });
  const weird = await stack.api('PROPFIND', '/api/products');
  expect(weird.status).toBe(405);
  expect((await stack.api('GET', '/api/nothing-here')).json.code).toBe('NOT_FOUND');
});

test('concurrent first logins of one customer all succeed with the same subject', async () => {
  const codes = await Promise.all(Array.from({ length: 4 }, () => stack.sandbox.admin.loginCode('zed', stack.env.WECHATPAY_APPID)));
  const results = await Promise.all(codes.map((code) => stack.api('POST', '/api/auth/login', { body: { code } })));
  expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  const subs = new Set(results.map((r) => JSON.parse(Buffer.from(r.json.token.split('.')[1], 'base64url').toString()).sub));
  expect(subs).toEqual(new Set([await stack.openidOf('zed')]));
});
