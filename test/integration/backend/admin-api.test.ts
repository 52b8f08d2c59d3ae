// The staff API over the real stack: login and its limits, token attacks, roles, close at WeChat, statements
// with reconciliation, settlements, audit records.
import jwt from 'jsonwebtoken';
import mongoose from 'mongoose';
import type { CreateOrderResponse, StatementReport } from '../../../shared/api';
import { startStack, type Stack } from '../../support/stack';
import { paidOrder, waitFor } from '../../support/staff-flow';
import { loginStaff, seedStaff, staffToken, TEST_STAFF_PASSWORD } from '../../support/staff';

let stack: Stack;
let admin: string;
let viewer: string;
let cashier: string;
let db: mongoose.Connection;
beforeAll(async () => {
  stack = await startStack({
    env: {
      STAFF_LOGIN_MAX_PER_USER: '3',
      STAFF_LOGIN_MAX_PER_IP: '12',
      PENDING_QUERY_SCHEDULE_SECONDS: '600',
      ORDER_SYNC_STALE_SECONDS: '600',
      REFUND_PROCESSING_CHECK_SECONDS: '1',
      REFUND_RETRY_SCHEDULE_SECONDS: '0.5',
    },
    sandbox: { settings: { statementsAllowToday: true, refundSettleDelaySeconds: 0.2 } },
  });
  admin = await staffToken(stack.backendUrl, stack.dbUri, 'ada', 'admin');
  viewer = await staffToken(stack.backendUrl, stack.dbUri, 'val', 'viewer');
  cashier = await staffToken(stack.backendUrl, stack.dbUri, 'cas', 'cashier');
  db = await mongoose.createConnection(stack.dbUri).asPromise();
});
afterAll(async () => {
  await db?.close();
  await stack?.stop();
});

const gmt8Today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');

describe('authentication and roles', () => {
  test('only staff tokens reach /api/admin', async () => {
    const secret = stack.env.JWT_SECRET!;
    const claims = { role: 'admin' };
    const base = { algorithm: 'HS256' as const, issuer: 'wxpay-backend', subject: 'ada' };
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const viewerParts = viewer.split('.');
    const tampered = [
      viewerParts[0],
      b64({ ...JSON.parse(Buffer.from(viewerParts[1]!, 'base64url').toString()), role: 'admin' }),
      viewerParts[2],
    ].join('.');
    const cases: Record<string, string | undefined> = {
      none: undefined,
      customer: await stack.loginCustomer('staff-intruder'),
      algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'ada', aud: 'staff', role: 'admin', iss: 'wxpay-backend', iat: now, exp: now + 600 })}.`,
      tampered,
      expired: jwt.sign({ ...claims, exp: now - 120, iat: now - 3600 }, secret, { ...base, audience: 'staff' }),
      wrongAudience: jwt.sign(claims, secret, { ...base, audience: 'customer', expiresIn: 600 }),
      wrongSecret: jwt.sign(claims, 'x'.repeat(40), { ...base, audience: 'staff', expiresIn: 600 }),
      unknownUser: jwt.sign(claims, secret, { ...base, subject: 'ghost', audience: 'staff', expiresIn: 600 }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const r = await stack.api('GET', '/api/admin/orders', { token });
      expect({ name, status: r.status }).toEqual({ name, status: 401 });
      expect(['UNAUTHENTICATED', 'TOKEN_EXPIRED']).toContain(r.json.code);
    }
    expect((await stack.api('GET', '/api/admin/orders', { token: cases.expired })).json.code).toBe('TOKEN_EXPIRED');
    // Unknown admin paths are not a way around the guard either.
    expect((await stack.api('GET', '/api/admin/nothing-here')).status).toBe(401);
    expect((await stack.api('GET', '/api/admin/nothing-here', { token: admin })).status).toBe(404);
  });

  test('roles: viewer reads only, cashier charges and reads, admin does everything', async () => {
    for (const token of [admin, viewer, cashier]) expect((await stack.api('GET', '/api/admin/orders', { token })).status).toBe(200);
    const id = '0123456789abcdef01234567';
    for (const token of [viewer, cashier]) {
      const refund = await stack.api('POST', `/api/admin/orders/${id}/refunds`, { token, body: { amount: 1, requestId: 'role-check-1' } });
      expect(refund.status).toBe(403);
      expect(refund.json.code).toBe('FORBIDDEN');
      expect((await stack.api('POST', `/api/admin/orders/${id}/close`, { token })).status).toBe(403);
    }
    expect((await stack.api('POST', `/api/admin/orders/${id}/close`, { token: admin })).json.code).toBe('ORDER_NOT_FOUND');
    expect((await stack.api('GET', '/api/admin/orders/nope', { token: viewer })).status).toBe(400);
    expect((await stack.api('GET', `/api/admin/orders/${id}`, { token: viewer })).status).toBe(404);
    const badQuery = await stack.api('GET', '/api/admin/orders?status=PAID&color=red', { token: viewer });
    expect(badQuery.status).toBe(400);
    expect(badQuery.json.code).toBe('VALIDATION_FAILED');
  });
});

test('close: an unpaid order is closed at WeChat; ORDERPAID turns into paid', async () => {
  const token = await stack.loginCustomer('close-carla');
  const mk = async (id: string) =>
    (await stack.api('POST', '/api/orders', { token, body: { items: [{ sku: 'egg-tart', quantity: 1 }], clientRequestId: id } }))
      .json as CreateOrderResponse;
  const a = await mk(`close-a-${Date.now()}`);
  const closed = await stack.api('POST', `/api/admin/orders/${a.order.id}/close`, { token: admin });
  expect(closed.status).toBe(200);
  expect(closed.json.status).toBe('CLOSED');
  const wx = await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${a.order.outTradeNo}`);
  expect(wx.data[0].trade_state).toBe('CLOSED');
  const again = await stack.api('POST', `/api/admin/orders/${a.order.id}/close`, { token: admin });
  expect(again.status).toBe(409);
  expect(again.json.code).toBe('ORDER_NOT_CLOSABLE');

  // Paid at WeChat but the notification was lost: closing finds out it is paid.
  const b = await mk(`close-b-${Date.now()}`);
  await stack.sandbox.admin.faults({ arm: [{ fault: 'notify-drop', out_trade_no: b.order.outTradeNo, times: 5 }] });
  expect((await stack.payInSandbox(b.order.id, b.payment)).status).toBe(200);
  const paid = await stack.api('POST', `/api/admin/orders/${b.order.id}/close`, { token: admin });
  expect(paid.status).toBe(200);
  expect(paid.json).toMatchObject({
    status: 'PAID',
    refundableAmount: b.order.total,
    customerOpenid: expect.any(String),
    transactionId: expect.any(String),
  });
  expect(paid.json.audit.map((a: { action: string }) => a.action)).toEqual(['order.close']);
  const detail = await stack.api('GET', `/api/admin/orders/${b.order.id}`, { token: viewer });
  expect(detail.json.audit).toEqual([
    expect.objectContaining({ action: 'order.close', actor: 'ada', role: 'admin', detail: expect.objectContaining({ result: 'paid' }) }),
  ]);
});

test('statement reconciliation finds planted differences', async () => {
  const a = await paidOrder(stack, 'stmt-amy');
  const b = await paidOrder(stack, 'stmt-ben');
  const r = await stack.api('POST', `/api/admin/orders/${a.id}/refunds`, {
    token: admin,
    body: { amount: 1000, requestId: `stmt-r-${Date.now()}` },
  });
  expect(r.status).toBe(201);
  await waitFor(async () => (await stack.api('GET', `/api/admin/refunds/${r.json.id}`, { token: admin })).json.status === 'SUCCESS');

  const date = gmt8Today();
  const clean = await stack.api('GET', `/api/admin/statements/${date}`, { token: viewer });
  expect(clean.status).toBe(200);
  const report = clean.json as StatementReport;
  expect(report.sha1).toMatch(/^[0-9a-f]{40}$/);
  expect(report.rows).toBeGreaterThanOrEqual(3);
  expect(report.totals.refunds).toBeGreaterThanOrEqual(1000);
  expect(report.differences.filter((d) => d.outTradeNo === a.outTradeNo || d.outTradeNo === b.outTradeNo)).toEqual([]);

  // Plant: our books say b was 1 cent more; and an order we think paid that WeChat never saw.
  const orders = db.collection('orders');
  await orders.updateOne({ outTradeNo: b.outTradeNo }, { $inc: { total: 1 } });
  const ghost = await orders.findOne({ outTradeNo: a.outTradeNo });
  await orders.insertOne({
    ...ghost!,
    _id: new mongoose.Types.ObjectId(),
    outTradeNo: `GHOST${Date.now()}`,
    clientRequestId: `ghost-${Date.now()}`,
    transactionId: `4200GHOST${Date.now()}`, // one transaction pays one order: the ghost has its own
    paymentEventId: `ghost-event-${Date.now()}`, // and so does one notification event
    paidAt: new Date(),
  });
  const dirty = (await stack.api('GET', `/api/admin/statements/${date}`, { token: admin })).json as StatementReport;
  expect(dirty.differences).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        kind: 'amount_differs',
        outTradeNo: b.outTradeNo,
        wechat: expect.objectContaining({ amount: b.total }),
        local: expect.objectContaining({ amount: b.total + 1 }),
      }),
      expect.objectContaining({ kind: 'missing_at_wechat', outTradeNo: expect.stringMatching(/^GHOST/) }),
    ]),
  );
  await orders.updateOne({ outTradeNo: b.outTradeNo }, { $inc: { total: -1 } });

  expect((await stack.api('GET', '/api/admin/statements/20261399', { token: admin })).status).toBe(400);
  expect((await stack.api('GET', '/api/admin/statements/2026-01-01', { token: admin })).status).toBe(400);
});

test('settlements: validated before WeChat is called, then mapped', async () => {
  const bad = [
    '/api/admin/settlements',
    '/api/admin/settlements?state=SETTLED',
    '/api/admin/settlements?state=SETTLED&from=20260110&to=20260101',
    '/api/admin/settlements?state=DONE',
    '/api/admin/settlements?state=UNSETTLE&page=0',
    '/api/admin/settlements?state=UNSETTLE&limit=5',
  ];
  for (const path of bad) {
    const r = await stack.api('GET', path, { token: viewer });
    expect({ path, status: r.status, code: r.json.code }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED' });
  }
  const ok = await stack.api('GET', '/api/admin/settlements?state=UNSETTLE', { token: viewer });
  expect(ok.status).toBe(200);
  expect(Array.isArray(ok.json.items)).toBe(true);
  for (const s of ok.json.items)
    expect(s).toMatchObject({ batchId: expect.any(String), settled: false, amount: { currency: expect.any(String) } });
  const settled = await stack.api('GET', `/api/admin/settlements?state=SETTLED&from=20260101&to=${gmt8Today()}`, { token: admin });
  expect(settled.status).toBe(200);
});

test('login: wrong passwords are limited per username (in the database, so across restarts) and counted', async () => {
  await seedStaff(stack.dbUri, 'lockme', 'viewer');
  const attempt = (password: string) => stack.api('POST', '/api/admin/login', { body: { username: 'lockme', password } });
  expect((await stack.api('POST', '/api/admin/login', { body: { username: 'lockme', password: 'x', extra: 1 } })).status).toBe(400);
  for (let i = 0; i < 3; i++) {
    const r = await attempt('wrong-password');
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('UNAUTHENTICATED');
  }
  const locked = await attempt(TEST_STAFF_PASSWORD);
  expect(locked.status).toBe(429);
  expect(locked.json.code).toBe('TOO_MANY_REQUESTS');
  const raw = await fetch(`${stack.backendUrl}/api/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'lockme', password: 'x' }),
  });
  expect(raw.status).toBe(429);
  expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(0);
  // Another user is not locked out by lockme's failures.
  expect((await loginStaff(stack.backendUrl, 'val')).role).toBe('viewer');

  await stack.restartBackend();
  expect((await attempt(TEST_STAFF_PASSWORD)).status).toBe(429);

  const audit = await db.collection('audit_log').find({ target: 'staff:lockme' }).toArray();
  expect(audit.filter((a) => a.action === 'staff.login_failed')).toEqual([]); // counted, not one record each
  const refused = await db.collection('audit_login_refusals').findOne({ username: 'lockme' });
  expect(refused?.count).toBeGreaterThanOrEqual(6);
  const logins = await db.collection('audit_log').find({ action: 'staff.login', actor: 'val' }).toArray();
  expect(logins.length).toBeGreaterThanOrEqual(2);
  expect(logins[0]).toMatchObject({ role: 'viewer', target: 'staff:val' });
  expect(JSON.stringify(audit)).not.toContain(TEST_STAFF_PASSWORD);
});

test("a refund whose notifications are all lost is settled by the sync job's query", async () => {
  const order = await paidOrder(stack, 'lost-notify-lea');
  await stack.sandbox.admin.faults({ arm: [{ fault: 'notify-drop', out_trade_no: order.outTradeNo, times: 20 }] });
  const r = await stack.api('POST', `/api/admin/orders/${order.id}/refunds`, {
    token: admin,
    body: { amount: 900, requestId: `lost-${Date.now()}` },
  });
  expect(r.json.status).toBe('PROCESSING');
  await waitFor(
    async () => (await stack.api('GET', `/api/admin/refunds/${r.json.id}`, { token: admin })).json.status === 'SUCCESS',
    15000,
    'refund settled by query',
  );
  const d = await stack.api('GET', `/api/admin/orders/${order.id}`, { token: admin });
  expect(d.json).toMatchObject({ refundedAmount: 900, refundableAmount: order.total - 900 });
  expect(d.json.notifications.filter((n: { eventType: string }) => n.eventType.startsWith('REFUND.'))).toEqual([]);
});
