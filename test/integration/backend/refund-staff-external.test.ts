// Two refund field groups over the real stack (sandbox process -> backend process -> database -> staff API):
//   - `source` and NOT_ENOUGH: with no unsettled funds at WeChat Pay the refund is answered NOT_ENOUGH, stops
//     after REFUND_NOT_ENOUGH_RETRIES answers and waits for staff (amount still held, gauge up); a staff retry
//     from REFUND_SOURCE_RECHARGE_FUNDS succeeds and draws on the sandbox's recharge balance; a cancel releases
//     the amount; two clicks at once act once; bad input is a 4xx with a code;
//   - refunds made in the merchant platform: notified to the refund URL set there and recorded from the
//     all-refunds query (or found by staff with "Check WeChat Pay for refunds"), so the order's refundable
//     amount stays true and the admin API shows them as external.
import mongoose from 'mongoose';
import type { AdminOrderView, AdminRefundView, RefundSyncResult } from '../../../shared/api';
import { startStack, type Stack } from '../../support/stack';
import { paidOrder, refundStatus, waitFor } from '../../support/staff-flow';
import { staffToken } from '../../support/staff';

const METRICS = 'm'.repeat(40);
let stack: Stack;
let admin: string;
let viewer: string;
let mchid: string;

beforeAll(async () => {
  stack = await startStack({
    env: {
      REFUND_RETRY_SCHEDULE_SECONDS: '0.3',
      REFUND_NOT_ENOUGH_RETRIES: '2',
      REFUND_PROCESSING_CHECK_SECONDS: '600',
      METRICS_TOKEN: METRICS,
    },
    sandbox: { settings: { refundSettleDelaySeconds: 0.3 } },
  });
  admin = await staffToken(stack.backendUrl, stack.dbUri, 'nina', 'admin');
  viewer = await staffToken(stack.backendUrl, stack.dbUri, 'otto', 'viewer');
  mchid = stack.sandbox.config.direct.mchid;
});
afterAll(async () => {
  await stack?.stop();
});

const settings = async (patch: Record<string, unknown>) => {
  const r = await stack.sandbox.admin.post(`/sandbox/merchants/${mchid}/settings`, patch);
  if (r.status !== 200) throw new Error(`settings: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json as Record<string, unknown>;
};
const getRefund = async (id: string) => (await stack.api('GET', `/api/admin/refunds/${id}`, { token: admin })).json as AdminRefundView;
const getOrder = async (id: string) => (await stack.api('GET', `/api/admin/orders/${id}`, { token: admin })).json as AdminOrderView;
const awaitingGauge = async () => {
  const res = await fetch(`${stack.backendUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS}` } });
  return Number(/^wechatpay_refunds_awaiting_staff (\d+)/m.exec(await res.text())?.[1]);
};
let rid = 0;
const requestId = () => `ist-${Date.now()}-${rid++}`;

/** A refund that WeChat Pay answered NOT_ENOUGH until the backend stopped and now waits for staff. */
async function awaitingRefund(user: string, amount: number) {
  const order = await paidOrder(stack, user);
  const created = await stack.api('POST', `/api/admin/orders/${order.id}/refunds`, {
    token: admin,
    body: { amount, requestId: requestId() },
  });
  expect(created.status).toBe(201);
  expect(created.json).toMatchObject({ status: 'PENDING', lastError: { code: 'NOT_ENOUGH' }, source: 'REFUND_SOURCE_UNSETTLED_FUNDS' });
  const waiting = await waitFor(
    async () => {
      const r = await getRefund(created.json.id);
      return r.awaitingStaff ? r : undefined;
    },
    15000,
    'refund waiting for staff',
  );
  return { order, refund: waiting };
}

describe('NOT_ENOUGH: the refund waits for staff, who retry from recharge funds or cancel', () => {
  beforeAll(async () => {
    await settings({ unsettledBalance: 0, rechargeBalance: 100000 });
  });
  afterAll(async () => {
    await settings({ unsettledBalance: null, rechargeBalance: null });
  });

  test('stops after REFUND_NOT_ENOUGH_RETRIES answers, holding the amount; a staff retry from recharge funds succeeds', async () => {
    const { order, refund } = await awaitingRefund('ist-ann', 1500);
    expect(refund).toMatchObject({ status: 'PENDING', awaitingStaff: 'NOT_ENOUGH', lastError: { code: 'NOT_ENOUGH' } });

    // No more calls: the stored attempts stay put while the job keeps running (retries were 0.3 s apart).
    const db = await mongoose.createConnection(stack.dbUri).asPromise();
    try {
      const attempts = async () => (await db.collection('refunds').findOne({ outRefundNo: refund.outRefundNo }))?.attempts as number;
      const before = await attempts();
      expect(before).toBe(2);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await attempts()).toBe(before);
    } finally {
      await db.close();
    }
    const held = await getOrder(order.id);
    expect(held.refundableAmount).toBe(order.total - 1500);
    expect(held.refunds[0]).toMatchObject({ awaitingStaff: 'NOT_ENOUGH' });
    expect(await awaitingGauge()).toBeGreaterThanOrEqual(1);

    // Client mistakes are 4xx with a code, never a 500.
    const badSource = await stack.api('POST', `/api/admin/refunds/${refund.id}/retry`, { token: admin, body: { source: 'CASH' } });
    expect(badSource).toMatchObject({ status: 400, json: { code: 'VALIDATION_FAILED' } });
    const noBody = await stack.api('POST', `/api/admin/refunds/${refund.id}/retry`, { token: admin, body: {} });
    expect(noBody).toMatchObject({ status: 400, json: { code: 'VALIDATION_FAILED' } });
    const unknown = await stack.api('POST', '/api/admin/refunds/65f0000000000000000000aa/retry', {
      token: admin,
      body: { source: 'REFUND_SOURCE_RECHARGE_FUNDS' },
    });
    expect(unknown).toMatchObject({ status: 404, json: { code: 'REFUND_NOT_FOUND' } });
    const notAllowed = await stack.api('POST', `/api/admin/refunds/${refund.id}/retry`, {
      token: viewer,
      body: { source: 'REFUND_SOURCE_RECHARGE_FUNDS' },
    });
    expect(notAllowed.status).toBe(403);

    // Two clicks at once: one retry acts.
    const clicks = await Promise.all(
      [1, 2].map(() =>
        stack.api('POST', `/api/admin/refunds/${refund.id}/retry`, { token: admin, body: { source: 'REFUND_SOURCE_RECHARGE_FUNDS' } }),
      ),
    );
    expect(clicks.map((c) => c.status).sort()).toEqual([200, 409]);
    expect(clicks.find((c) => c.status === 409)!.json.code).toBe('REFUND_NOT_AWAITING_STAFF');
    const accepted = clicks.find((c) => c.status === 200)!.json as AdminRefundView;
    expect(accepted).toMatchObject({ outRefundNo: refund.outRefundNo, source: 'REFUND_SOURCE_RECHARGE_FUNDS' });
    expect(accepted.awaitingStaff).toBeUndefined();

    const done = await refundStatus(stack, admin, refund.id, 'SUCCESS');
    expect(done).toMatchObject({ outRefundNo: refund.outRefundNo, source: 'REFUND_SOURCE_RECHARGE_FUNDS' });
    // WeChat's side: drawn from the recharge funds, with the same out_refund_no.
    expect(await stack.sandbox.admin.get(`/sandbox/merchants/${mchid}/settings`)).toMatchObject({
      unsettledBalance: 0,
      rechargeBalance: 100000 - 1500,
    });
    const after = await getOrder(order.id);
    expect(after).toMatchObject({ refundedAmount: 1500, refundableAmount: order.total - 1500 });
    const retried = after.audit.filter((a) => a.action === 'refund.retry');
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({
      actor: 'nina',
      detail: { source: 'REFUND_SOURCE_RECHARGE_FUNDS', outRefundNo: refund.outRefundNo },
    });
  });

  test('cancel: FAILED with the reason, the amount refundable again; once only', async () => {
    const { order, refund } = await awaitingRefund('ist-ben', 2000);
    const badReason = await stack.api('POST', `/api/admin/refunds/${refund.id}/cancel`, { token: admin, body: { reason: 'x'.repeat(81) } });
    expect(badReason).toMatchObject({ status: 400, json: { code: 'VALIDATION_FAILED' } });
    const both = await Promise.all(
      [1, 2].map(() =>
        stack.api('POST', `/api/admin/refunds/${refund.id}/cancel`, { token: admin, body: { reason: 'customer took store credit' } }),
      ),
    );
    expect(both.map((c) => c.status).sort()).toEqual([200, 409]);
    const cancelled = both.find((c) => c.status === 200)!.json as AdminRefundView;
    expect(cancelled).toMatchObject({
      status: 'FAILED',
      lastError: { code: 'CANCELLED_BY_STAFF', message: 'nina: customer took store credit' },
    });
    const view = await getOrder(order.id);
    expect(view).toMatchObject({ refundableAmount: order.total, refundedAmount: 0 });
    expect(view.audit.filter((a) => a.action === 'refund.cancel')).toHaveLength(1);
    // A retry of a cancelled refund is refused.
    const late = await stack.api('POST', `/api/admin/refunds/${refund.id}/retry`, {
      token: admin,
      body: { source: 'REFUND_SOURCE_RECHARGE_FUNDS' },
    });
    expect(late).toMatchObject({ status: 409, json: { code: 'REFUND_NOT_AWAITING_STAFF' } });
    // Nothing was drawn at WeChat for it.
    const at = await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${order.outTradeNo}`);
    expect(at.data[0].refundable).toBe(order.total);
  });
});

describe('refunds made in the merchant platform', () => {
  test('notified to the refund URL set in the merchant platform: found with the all-refunds query and recorded', async () => {
    await settings({ refundNotifyUrl: `${stack.backendUrl}/wechatpay/notify/refunds` });
    try {
      const order = await paidOrder(stack, 'ist-cara');
      const made = await stack.sandbox.admin.post('/sandbox/refunds/merchant-platform', { out_trade_no: order.outTradeNo, refund: 700 });
      expect(made.status).toBe(200);
      const outRefundNo = made.json.out_refund_no as string;
      // Recorded, counted, and the notification's record says how (written once it is handled).
      const view = await waitFor(
        async () => {
          const v = await getOrder(order.id);
          const note = v.notifications.find((n) => n.eventType === 'REFUND.SUCCESS');
          return v.refunds.some((r) => r.outRefundNo === outRefundNo && r.status === 'SUCCESS') && note?.detail ? v : undefined;
        },
        15000,
        'external refund recorded',
      );
      expect(view).toMatchObject({ refundedAmount: 700, refundableAmount: order.total - 700 });
      expect(view.refunds).toHaveLength(1);
      expect(view.refunds[0]).toMatchObject({ outRefundNo, amount: 700, external: true, createdBy: 'wechat-merchant-platform' });
      expect(view.notifications.find((n) => n.eventType === 'REFUND.SUCCESS')).toMatchObject({
        outcome: 'applied',
        detail: expect.stringMatching(/outside this system/),
      });
      // The sandbox's delivery went to the refund URL; it records it delivered once our 204 is back.
      const sent = await waitFor(
        async () => {
          const list = await stack.sandbox.admin.notifications({ out_refund_no: outRefundNo });
          return list.some((n) => n.state === 'delivered') ? list : undefined;
        },
        10000,
        'REFUND.SUCCESS delivered',
      );
      expect(sent[0]).toMatchObject({
        event_type: 'REFUND.SUCCESS',
        url: `${stack.backendUrl}/wechatpay/notify/refunds`,
        state: 'delivered',
      });
      // Our own refund of more than is left is refused by our books, as WeChat would.
      const over = await stack.api('POST', `/api/admin/orders/${order.id}/refunds`, {
        token: admin,
        body: { amount: order.total - 700 + 1, requestId: requestId() },
      });
      expect(over).toMatchObject({ status: 409, json: { code: 'REFUND_EXCEEDS_BALANCE' } });
    } finally {
      await settings({ refundNotifyUrl: null });
    }
  });

  test('not notified: staff "Check WeChat Pay for refunds" finds and records it, once', async () => {
    const order = await paidOrder(stack, 'ist-dev');
    const made = await stack.sandbox.admin.post('/sandbox/refunds/merchant-platform', { out_trade_no: order.outTradeNo, refund: 900 });
    expect(made.status).toBe(200);
    await new Promise((r) => setTimeout(r, 800)); // settled at WeChat meanwhile; nobody told us
    expect((await getOrder(order.id)).refunds).toHaveLength(0);
    expect(await stack.sandbox.admin.notifications({ out_refund_no: made.json.out_refund_no })).toEqual([]);

    const denied = await stack.api('POST', `/api/admin/orders/${order.id}/refunds/sync`, { token: viewer, body: {} });
    expect(denied.status).toBe(403);
    const sync = () => stack.api('POST', `/api/admin/orders/${order.id}/refunds/sync`, { token: admin, body: {} });
    const [a, b] = await Promise.all([sync(), sync()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const results = [a.json, b.json] as RefundSyncResult[];
    expect(results.map((r) => r.found)).toEqual([1, 1]);
    expect(results.reduce((s, r) => s + r.recorded, 0)).toBe(1);
    const view = await getOrder(order.id);
    expect(view.refunds).toHaveLength(1);
    expect(view.refunds[0]).toMatchObject({ outRefundNo: made.json.out_refund_no, external: true, status: 'SUCCESS', amount: 900 });
    expect(view).toMatchObject({ refundedAmount: 900, refundableAmount: order.total - 900 });
    expect(view.audit.filter((x) => x.action === 'order.refunds_sync')).toHaveLength(2);
    const bad = await stack.api('POST', '/api/admin/orders/65f0000000000000000000bb/refunds/sync', { token: admin, body: {} });
    expect(bad).toMatchObject({ status: 404, json: { code: 'ORDER_NOT_FOUND' } });
  });
});
