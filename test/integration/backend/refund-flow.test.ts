// Refunds over the real stack (backend process + sandbox process + database): reservation, notifications,
// retries with the same out_refund_no, CLOSED / ABNORMAL, idempotency and 50 concurrent requests.
import mongoose from 'mongoose';
import type { AdminOrderView, AdminRefundView } from '../../../shared/api';
import { startStack, type Stack } from '../../support/stack';
import { paidOrder, refundStatus, waitFor } from '../../support/staff-flow';
import { staffToken } from '../../support/staff';

let stack: Stack;
let admin: string;
let viewer: string;
beforeAll(async () => {
  stack = await startStack({
    // A long admission wait: the 50-refund race is about money bounds, not load shedding (a slow machine would shed).
    env: { REFUND_RETRY_SCHEDULE_SECONDS: '0.3', REFUND_PROCESSING_CHECK_SECONDS: '600', ADMISSION_WRITES: '16,64,20000' },
    sandbox: { settings: { refundSettleDelaySeconds: 0.3 } },
  });
  admin = await staffToken(stack.backendUrl, stack.dbUri, 'anne', 'admin');
  viewer = await staffToken(stack.backendUrl, stack.dbUri, 'vera', 'viewer');
});
afterAll(async () => {
  await stack?.stop();
});

const refund = (orderId: string, body: Record<string, unknown>, token = admin) =>
  stack.api('POST', `/api/admin/orders/${orderId}/refunds`, { token, body });
let rid = 0;
const requestId = () => `req-${Date.now()}-${rid++}`;

test('partial refund -> REFUND.SUCCESS notification -> refund of the rest -> a third is refused', async () => {
  const order = await paidOrder(stack, 'rf-alice');
  expect(order.total).toBe(5600);

  const first = await refund(order.id, { amount: 2000, reason: 'one cup spilled', requestId: requestId() });
  expect(first.status).toBe(201);
  expect(first.json).toMatchObject({
    amount: 2000,
    currency: 'HKD',
    status: 'PROCESSING',
    orderId: order.id,
    outTradeNo: order.outTradeNo,
  });
  // Processing check is 10 minutes away: only the notification can settle it.
  const done = await refundStatus(stack, admin, first.json.id, 'SUCCESS');
  expect(done.refundId).toBeTruthy();
  // The sandbox records the delivery once our 204 is back.
  await waitFor(
    async () => {
      const sent = await stack.sandbox.admin.notifications({ out_refund_no: first.json.outRefundNo });
      return sent.some((n) => n.event_type === 'REFUND.SUCCESS' && n.state === 'delivered');
    },
    5000,
    'REFUND.SUCCESS delivered',
  );

  const second = await refund(order.id, { amount: 3600, requestId: requestId() });
  expect(second.status).toBe(201);
  await refundStatus(stack, admin, second.json.id, 'SUCCESS');

  const third = await refund(order.id, { amount: 1, requestId: requestId() });
  expect(third.status).toBe(409);
  expect(['ORDER_NOT_REFUNDABLE', 'REFUND_EXCEEDS_BALANCE']).toContain(third.json.code);

  const detail = await stack.api('GET', `/api/admin/orders/${order.id}`, { token: viewer });
  expect(detail.status).toBe(200);
  const view = detail.json as AdminOrderView;
  expect(view).toMatchObject({ status: 'PAID', refundedAmount: 5600, refundableAmount: 0 });
  expect(view.refunds.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS']);
  expect(view.notifications.filter((n) => n.eventType === 'REFUND.SUCCESS' && n.outcome === 'applied').length).toBe(2);
  // The event that paid it is recorded on the order, and shown once.
  expect(view.notifications.filter((n) => n.eventType === 'TRANSACTION.SUCCESS')).toEqual([
    expect.objectContaining({ outcome: 'applied', eventId: expect.any(String), receivedAt: expect.any(String) }),
  ]);
  const created = view.audit.filter((a) => a.action === 'refund.create');
  expect(created).toHaveLength(2);
  expect(created[0]).toMatchObject({ actor: 'anne', role: 'admin', detail: { amount: 2000, reason: 'one cup spilled' } });
  expect(view.audit.some((a) => a.action === 'refund.refused' && a.detail?.code === third.json.code)).toBe(true);

  // The customer sees the refunds on their order too.
  const customer = await stack.api('GET', `/api/orders/${order.id}`, { token: await stack.loginCustomer('rf-alice') });
  expect(customer.json).toMatchObject({ refundedAmount: 5600, refundableAmount: 0 });
  expect(customer.json.refunds.map((r: { amount: number; status: string }) => [r.amount, r.status])).toEqual([
    [2000, 'SUCCESS'],
    [3600, 'SUCCESS'],
  ]);
  expect(customer.json.refunds[0]).not.toHaveProperty('lastError');
});

test('the same requestId twice makes one refund', async () => {
  const order = await paidOrder(stack, 'rf-bob');
  const id = requestId();
  const [a, b] = await Promise.all([refund(order.id, { amount: 500, requestId: id }), refund(order.id, { amount: 500, requestId: id })]);
  expect([a.status, b.status].sort()).toEqual([200, 201]);
  expect(a.json.id).toBe(b.json.id);
  const again = await refund(order.id, { amount: 500, requestId: id });
  expect(again.status).toBe(200);
  expect(again.json.outRefundNo).toBe(a.json.outRefundNo);
  // The same key for a different refund is a client bug, not a second refund.
  const other = await refund(order.id, { amount: 700, requestId: id });
  expect(other.status).toBe(409);
  expect(other.json.code).toBe('IDEMPOTENCY_MISMATCH');
  const at = await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${order.outTradeNo}`);
  expect(at.data[0].refundable).toBe(5600 - 500);
});

test('50 concurrent refunds on one order never refund more than was paid (checked at WeChat too)', async () => {
  const order = await paidOrder(stack, 'rf-carol');
  const results = await Promise.all(Array.from({ length: 50 }, () => refund(order.id, { amount: 300, requestId: requestId() })));
  const accepted = results.filter((r) => r.status === 201);
  const refused = results.filter((r) => r.status !== 201);
  expect(accepted.length).toBe(Math.floor(5600 / 300)); // 18
  for (const r of refused) {
    expect(r.status).toBe(409);
    expect(['REFUND_EXCEEDS_BALANCE', 'ORDER_NOT_REFUNDABLE']).toContain(r.json.code);
  }
  const ours = accepted.reduce((s, r) => s + (r.json as AdminRefundView).amount, 0);
  expect(ours).toBeLessThanOrEqual(5600);
  const at = await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${order.outTradeNo}`);
  expect(at.data[0].refundable).toBe(5600 - ours);
  const detail = await stack.api('GET', `/api/admin/orders/${order.id}`, { token: admin });
  expect(detail.json.refundableAmount).toBe(5600 - ours);
  expect(detail.json.refunds).toHaveLength(accepted.length);
});

test('NOT_ENOUGH leaves the refund PENDING; the sync job retries with the same out_refund_no and it settles', async () => {
  const order = await paidOrder(stack, 'rf-dan');
  await stack.sandbox.admin.faults({ arm: [{ fault: 'not-enough', method: 'POST', path: '/v3/global/refunds', times: 1 }] });
  const r = await refund(order.id, { amount: 1000, requestId: requestId() });
  expect(r.status).toBe(201);
  expect(r.json).toMatchObject({ status: 'PENDING', lastError: { code: 'NOT_ENOUGH' } });
  const done = await refundStatus(stack, admin, r.json.id, 'SUCCESS');
  expect(done.outRefundNo).toBe(r.json.outRefundNo);
  const order2 = await stack.api('GET', `/api/admin/orders/${order.id}`, { token: admin });
  expect(order2.json).toMatchObject({ refundedAmount: 1000, refundableAmount: 4600 });
});

test('a 500 from WeChat leaves it PENDING and retried; a lost answer (500 after the work) is not refunded twice', async () => {
  const order = await paidOrder(stack, 'rf-erin');
  await stack.sandbox.admin.faults({ arm: [{ fault: '500', method: 'POST', path: '/v3/global/refunds', times: 3 }] });
  const a = await refund(order.id, { amount: 800, requestId: requestId() });
  expect(a.json).toMatchObject({ status: 'PENDING', lastError: { code: 'SYSTEM_ERROR' } });
  await refundStatus(stack, admin, a.json.id, 'SUCCESS');

  await stack.sandbox.admin.faults({ arm: [{ fault: '500-after', method: 'POST', path: '/v3/global/refunds', times: 3 }] });
  const b = await refund(order.id, { amount: 900, requestId: requestId() });
  // Whether the client's own retries or the job's got the answer, it is for the one refund already made.
  expect(b.status).toBe(201);
  await refundStatus(stack, admin, b.json.id, 'SUCCESS');
  const at = await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${order.outTradeNo}`);
  expect(at.data[0].refundable).toBe(5600 - 800 - 900);
});

test('REFUND.CLOSED releases the reservation', async () => {
  const order = await paidOrder(stack, 'rf-finn');
  const r = await refund(order.id, { amount: 1500, reason: 'sandbox:refund-closed', requestId: requestId() });
  expect(r.status).toBe(201);
  await refundStatus(stack, admin, r.json.id, 'CLOSED');
  const after = await waitFor(async () => {
    const d = await stack.api('GET', `/api/admin/orders/${order.id}`, { token: admin });
    return d.json.refundableAmount === 5600 ? d.json : undefined;
  });
  expect(after.refundedAmount).toBe(0);
  // The released amount can be refunded again.
  const again = await refund(order.id, { amount: 5600, requestId: requestId() });
  expect(again.status).toBe(201);
});

test('REFUND.ABNORMAL is flagged for a person and keeps the reservation', async () => {
  const order = await paidOrder(stack, 'rf-gus');
  const r = await refund(order.id, { amount: 1200, reason: 'sandbox:refund-abnormal', requestId: requestId() });
  const abnormal = await refundStatus(stack, admin, r.json.id, 'ABNORMAL');
  expect(abnormal.flagged).toMatch(/ABNORMAL/);
  const d = await stack.api('GET', `/api/admin/orders/${order.id}`, { token: admin });
  expect(d.json.flagged).toMatch(/ABNORMAL/);
  expect(d.json).toMatchObject({ refundableAmount: 5600 - 1200, refundedAmount: 0 });
});

test('a final refusal marks the refund FAILED and releases; viewers cannot refund; input is validated', async () => {
  const order = await paidOrder(stack, 'rf-hana');
  const forbidden = await refund(order.id, { amount: 100, requestId: requestId() }, viewer);
  expect(forbidden.status).toBe(403);
  expect(forbidden.json.code).toBe('FORBIDDEN');

  const unknownField = await refund(order.id, { amount: 100, requestId: requestId(), currency: 'HKD' });
  expect(unknownField.status).toBe(400);
  expect(unknownField.json.code).toBe('VALIDATION_FAILED');
  for (const amount of [0, -5, 1.5, '100']) {
    const bad = await refund(order.id, { amount, requestId: requestId() });
    expect(bad.status).toBe(400);
  }
  const tooMuch = await refund(order.id, { amount: 5601, requestId: requestId() });
  expect(tooMuch.status).toBe(409);
  expect(tooMuch.json.code).toBe('REFUND_EXCEEDS_BALANCE');
  expect((await refund('not-an-id', { amount: 1, requestId: requestId() })).status).toBe(400);
  expect((await refund('0123456789abcdef01234567', { amount: 1, requestId: requestId() })).json.code).toBe('ORDER_NOT_FOUND');
  expect((await stack.api('GET', '/api/admin/refunds/zzz', { token: admin })).status).toBe(400);
  expect((await stack.api('GET', '/api/admin/refunds/0123456789abcdef01234567', { token: admin })).json.code).toBe('REFUND_NOT_FOUND');

  await stack.sandbox.admin.faults({ arm: [{ fault: 'bad-signature', method: 'POST', path: '/v3/global/refunds', times: 1 }] });
  const forged = await refund(order.id, { amount: 100, requestId: requestId() });
  // A forged answer is not a refusal: retried, then settled.
  expect(forged.json.status).toBe('PENDING');
  await refundStatus(stack, admin, forged.json.id, 'SUCCESS');

  const d = await stack.api('GET', `/api/admin/orders/${order.id}`, { token: admin });
  expect(d.json).toMatchObject({ refundedAmount: 100, refundableAmount: 5500 });

  // A final refusal: our books disagree with WeChat about the order total, so WeChat answers 400 PARAM_ERROR.
  const db = await mongoose.createConnection(stack.dbUri).asPromise();
  try {
    await db.collection('orders').updateOne({ _id: new mongoose.Types.ObjectId(order.id) }, { $inc: { total: 1, refundable: 1 } });
    const refused = await refund(order.id, { amount: 200, requestId: requestId() });
    expect(refused.status).toBe(201);
    expect(refused.json).toMatchObject({ status: 'FAILED', lastError: { code: 'PARAM_ERROR' } });
    const after = await stack.api('GET', `/api/admin/orders/${order.id}`, { token: admin });
    expect(after.json).toMatchObject({ refundedAmount: 100, refundableAmount: 5501 });
  } finally {
    await db.close();
  }
});

test('refund notifications: forged ones are refused with {code:"FAIL"}; a duplicate delivery changes nothing', async () => {
  const forged = await fetch(`${stack.backendUrl}/wechatpay/notify/refunds`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Wechatpay-Timestamp': String(Math.floor(Date.now() / 1000)),
      'Wechatpay-Nonce': 'n',
      'Wechatpay-Serial': 'ABC',
      'Wechatpay-Signature': 'Zm9yZ2Vk',
    },
    body: JSON.stringify({ id: 'EV-forged', event_type: 'REFUND.SUCCESS', resource: {} }),
  });
  expect(forged.status).toBeGreaterThanOrEqual(400);
  expect(forged.status).toBeLessThan(500);
  expect(await forged.json()).toMatchObject({ code: 'FAIL' });

  const order = await paidOrder(stack, 'rf-ivy');
  await stack.sandbox.admin.faults({ arm: [{ fault: 'notify-duplicate', out_trade_no: order.outTradeNo, times: 1 }] });
  const r = await refund(order.id, { amount: 700, requestId: requestId() });
  await refundStatus(stack, admin, r.json.id, 'SUCCESS');
  const deliveries = await waitFor(
    async () => {
      const sent = await stack.sandbox.admin.notifications({ out_refund_no: r.json.outRefundNo });
      const all = sent.flatMap((n) => n.deliveries.filter((d: { ok: boolean }) => d.ok));
      return all.length >= 2 ? all : undefined;
    },
    5000,
    'two deliveries',
  );
  expect(deliveries.length).toBeGreaterThanOrEqual(2);
  const d = await stack.api('GET', `/api/admin/orders/${order.id}`, { token: admin });
  expect(d.json).toMatchObject({ refundedAmount: 700, refundableAmount: 4900 });
  expect(d.json.notifications.filter((x: { eventType: string }) => x.eventType === 'REFUND.SUCCESS')).toHaveLength(1);
});
