// The refund service and sync job against a real database, with a scripted WeChat Pay port: reservations under
// concurrency, retries with the same out_refund_no, and two job instances never handling one refund twice.
import type { Connection } from 'mongoose';
import { connectDatabase } from '../../../../server/src/db/connection';
import { RefundService } from '../../../../server/src/domain/refund-service';
import { syncRefunds } from '../../../../server/src/jobs/refund-sync';
import { createLogger } from '../../../../server/src/logger';
import { orderModel } from '../../../../server/src/models/order';
import { refundModel } from '../../../../server/src/models/refund';
import type { PaymentGateway, Refund } from '../../../../server/src/payment-gateway';
import { WechatPayError } from '../../../../server/src/wechatpay';
import { dropDatabase, testDatabaseUri } from '../../../support/db';

const uri = testDatabaseUri('refundsync');
let db: Connection;
beforeAll(async () => {
  db = await connectDatabase(uri);
  await Promise.all([orderModel(db).init(), refundModel(db).init()]);
});
afterAll(async () => {
  await db.close();
  await dropDatabase(uri);
});

/** A WeChat Pay port whose refund answers are scripted; records every call. */
function scriptedGateway(answers: Array<'ok' | WechatPayError>) {
  const calls: string[] = [];
  const queries: string[] = [];
  const gw = {
    identity: { mode: 'direct', mchid: 'm', appid: 'a' },
    async refund(req: { out_refund_no: string }): Promise<Refund> {
      calls.push(req.out_refund_no);
      const a = answers.shift() ?? 'ok';
      if (a !== 'ok') throw a;
      await new Promise((r) => setTimeout(r, 20));
      return { id: `wx-${req.out_refund_no}`, refund_id: `wx-${req.out_refund_no}`, out_refund_no: req.out_refund_no };
    },
    async queryRefund(no: string): Promise<Refund> {
      queries.push(no);
      return { id: `wx-${no}`, refund_id: `wx-${no}`, out_refund_no: no, status: 'SUCCESS', success_time: new Date().toISOString() };
    },
  } as unknown as PaymentGateway;
  return { gw, calls, queries };
}

let n = 0;
async function paidOrder(total: number) {
  const o = await orderModel(db).create({
    outTradeNo: `T${Date.now()}${n++}`,
    customerOpenid: 'o1',
    clientRequestId: `c${Date.now()}${n++}`,
    description: 'd',
    total,
    currency: 'HKD',
    status: 'PAID',
    expiresAt: new Date(),
    refundable: total,
  });
  return String(o._id);
}

test('concurrent refunds are bounded by one conditional reservation', async () => {
  const { gw } = scriptedGateway([]);
  const svc = new RefundService({ Order: orderModel(db), Refund: refundModel(db), gateway: gw, logger: createLogger('silent') });
  const id = await paidOrder(1000);
  const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => svc.create(id, { amount: 300, requestId: `conc-${i}-xxxx` }, 'ann')));
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  const order = await orderModel(db).findById(id).lean();
  expect(order).toMatchObject({ refundable: 100, refundReserved: 900, refundCount: 3 });
  expect(await refundModel(db).countDocuments({ orderId: id })).toBe(3);
});

test('retryable errors keep it PENDING; two job instances retry it once, with the same out_refund_no; a refusal releases', async () => {
  let now = new Date('2026-03-01T00:00:00Z');
  const clock = () => now;
  const { gw, calls, queries } = scriptedGateway([
    new WechatPayError({ kind: 'api', status: 403, code: 'NOT_ENOUGH', message: 'pool empty' }),
    new WechatPayError({ kind: 'timeout', code: 'TIMEOUT', message: 'no answer' }),
  ]);
  const svc = new RefundService({ Order: orderModel(db), Refund: refundModel(db), gateway: gw, logger: createLogger('silent'), retryDelaysMs: [1000], processingCheckMs: 5000, now: clock });
  const id = await paidOrder(1000);
  const { refund } = await svc.create(id, { amount: 400, requestId: 'retry-1-xxxx' }, 'ann');
  expect(refund).toMatchObject({ status: 'PENDING', lastError: { code: 'NOT_ENOUGH' } });

  const job = (owner: string) => syncRefunds({ Refund: refundModel(db), refunds: svc, owner, now: clock });
  now = new Date(now.getTime() + 2000);
  await Promise.all([job('i1'), job('i2')]); // timeout: still pending
  now = new Date(now.getTime() + 2000);
  const runs = await Promise.all([job('i1'), job('i2')]); // accepted
  expect(runs.reduce((s, r) => s + r.refunds, 0)).toBe(1);
  expect(calls).toEqual([refund.outRefundNo, refund.outRefundNo, refund.outRefundNo]);
  expect((await refundModel(db).findById(refund._id).lean())?.status).toBe('PROCESSING');

  now = new Date(now.getTime() + 6000); // past the processing check: queried, settled once
  await Promise.all([job('i1'), job('i2')]);
  expect(queries).toEqual([refund.outRefundNo]);
  const done = await refundModel(db).findById(refund._id).lean();
  expect(done).toMatchObject({ status: 'SUCCESS', settled: true, refundId: `wx-${refund.outRefundNo}` });
  expect(await orderModel(db).findById(id).lean()).toMatchObject({ refundable: 600, refundReserved: 0, refunded: 400 });
  // Applying the same outcome again changes nothing.
  expect(await svc.applyWechatStatus(done!, 'SUCCESS', {})).toBe('unchanged');
  expect(await orderModel(db).findById(id).lean()).toMatchObject({ refundable: 600, refundReserved: 0, refunded: 400 });

  const refusing = scriptedGateway([new WechatPayError({ kind: 'api', status: 400, code: 'PARAM_ERROR', message: 'bad' })]);
  const svc2 = new RefundService({ Order: orderModel(db), Refund: refundModel(db), gateway: refusing.gw, logger: createLogger('silent'), now: clock });
  const { refund: refused } = await svc2.create(id, { amount: 600, requestId: 'refused-1-xx' }, 'ann');
  expect(refused).toMatchObject({ status: 'FAILED', lastError: { code: 'PARAM_ERROR' }, settled: true });
  expect(await orderModel(db).findById(id).lean()).toMatchObject({ refundable: 600, refundReserved: 0, refunded: 400 });
});

/** What a crash between the refund's insert and its hold leaves behind (optionally with the hold taken). */
async function interruptedRefund(orderId: string, amount: number, total: number, at: Date, held = false) {
  const r = await refundModel(db).create({
    orderId,
    outTradeNo: 'X',
    outRefundNo: `R-int-${Date.now()}-${n++}`,
    requestId: `int-${Date.now()}-${n++}`,
    amount,
    currency: 'HKD',
    orderTotal: total,
    status: 'PENDING',
    createdBy: 'ann',
    nextSyncAt: new Date(at.getTime() + 60_000),
  });
  if (held) {
    await orderModel(db).updateOne({ _id: orderId }, { $inc: { refundable: -amount, refundReserved: amount, refundCount: 1 }, $push: { refundHolds: r._id } });
  }
  return r;
}

test('a refund interrupted before its hold is resumed by the job: held once, sent once', async () => {
  let now = new Date('2026-04-01T00:00:00Z');
  const { gw, calls } = scriptedGateway([]);
  const svc = new RefundService({ Order: orderModel(db), Refund: refundModel(db), gateway: gw, logger: createLogger('silent'), now: () => now });
  const id = await paidOrder(500);
  const orphan = await interruptedRefund(id, 100, 500, now);
  now = new Date(now.getTime() + 61_000);
  const job = (owner: string) => syncRefunds({ Refund: refundModel(db), refunds: svc, owner, now: () => now });
  await Promise.all([job('i1'), job('i2')]);
  expect(calls).toEqual([orphan.outRefundNo]);
  expect(await refundModel(db).findById(orphan._id).lean()).toMatchObject({ status: 'PROCESSING', reserved: true, settled: false });
  expect(await orderModel(db).findById(id).lean()).toMatchObject({ refundable: 400, refundReserved: 100, refundCount: 1, refundHolds: [orphan._id] });
});

test('a refund interrupted after its hold was taken is not held twice', async () => {
  let now = new Date('2026-04-02T00:00:00Z');
  const { gw, calls } = scriptedGateway([]);
  const svc = new RefundService({ Order: orderModel(db), Refund: refundModel(db), gateway: gw, logger: createLogger('silent'), now: () => now });
  const id = await paidOrder(500);
  const orphan = await interruptedRefund(id, 200, 500, now, true);
  now = new Date(now.getTime() + 61_000);
  await syncRefunds({ Refund: refundModel(db), refunds: svc, owner: 'i1', now: () => now });
  expect(calls).toEqual([orphan.outRefundNo]);
  expect(await orderModel(db).findById(id).lean()).toMatchObject({ refundable: 300, refundReserved: 200, refundCount: 1 });
});

test('the same requestId again resumes an interrupted refund at once', async () => {
  const now = new Date();
  const { gw, calls } = scriptedGateway([]);
  const svc = new RefundService({ Order: orderModel(db), Refund: refundModel(db), gateway: gw, logger: createLogger('silent') });
  const id = await paidOrder(500);
  const orphan = await interruptedRefund(id, 150, 500, now);
  const again = await Promise.all([1, 2].map(() => svc.create(id, { amount: 150, requestId: orphan.requestId }, 'ann')));
  expect(again.map((a) => [String(a.refund._id), a.created])).toEqual([[String(orphan._id), false], [String(orphan._id), false]]);
  expect(new Set(calls)).toEqual(new Set([orphan.outRefundNo])); // sent (twice at most, with the same out_refund_no)
  expect(await orderModel(db).findById(id).lean()).toMatchObject({ refundable: 350, refundReserved: 150, refundCount: 1 });
});

test('an interrupted refund the balance no longer allows ends FAILED with no money moved', async () => {
  let now = new Date('2026-04-03T00:00:00Z');
  const { gw, calls } = scriptedGateway([]);
  const svc = new RefundService({ Order: orderModel(db), Refund: refundModel(db), gateway: gw, logger: createLogger('silent'), now: () => now });
  const id = await paidOrder(500);
  const orphan = await interruptedRefund(id, 300, 500, now);
  await svc.create(id, { amount: 400, requestId: `took-the-rest-${n++}` }, 'ann');
  now = new Date(now.getTime() + 61_000);
  await syncRefunds({ Refund: refundModel(db), refunds: svc, owner: 'i1', now: () => now });
  expect(calls).toHaveLength(1); // only the other refund
  expect(await refundModel(db).findById(orphan._id).lean()).toMatchObject({ status: 'FAILED', settled: true, lastError: { code: 'REFUND_EXCEEDS_BALANCE' } });
  expect(await orderModel(db).findById(id).lean()).toMatchObject({ refundable: 100, refundReserved: 400, refundCount: 1 });
});

test('a refund whose hold was not released after its final status is released by the job, once', async () => {
  let now = new Date('2026-04-04T00:00:00Z');
  const { gw } = scriptedGateway([]);
  const svc = new RefundService({ Order: orderModel(db), Refund: refundModel(db), gateway: gw, logger: createLogger('silent'), now: () => now });
  const id = await paidOrder(800);
  const { refund } = await svc.create(id, { amount: 300, requestId: `crash-final-${n++}` }, 'ann');
  // A crash right after the status change: the refund is SUCCESS, the order still holds the amount.
  await refundModel(db).updateOne({ _id: refund._id }, { $set: { status: 'SUCCESS', nextSyncAt: new Date(now.getTime() + 60_000) } });
  expect(await orderModel(db).findById(id).lean()).toMatchObject({ refundable: 500, refundReserved: 300, refunded: 0 });
  now = new Date(now.getTime() + 61_000);
  const job = (owner: string) => syncRefunds({ Refund: refundModel(db), refunds: svc, owner, now: () => now });
  await Promise.all([job('i1'), job('i2')]);
  await job('i1');
  expect(await refundModel(db).findById(refund._id).lean()).toMatchObject({ status: 'SUCCESS', settled: true });
  expect(await orderModel(db).findById(id).lean()).toMatchObject({ refundable: 500, refundReserved: 0, refunded: 300, refundHolds: [] });
  // And a late notification of the same outcome changes nothing.
  expect(await svc.applyWechatStatus(refund, 'SUCCESS', {})).toBe('unchanged');
  expect(await orderModel(db).findById(id).lean()).toMatchObject({ refundable: 500, refundReserved: 0, refunded: 300 });
});

test('both spellings of a closed refund release the reservation, once', async () => {
  const { gw } = scriptedGateway([]);
  const svc = new RefundService({ Order: orderModel(db), Refund: refundModel(db), gateway: gw, logger: createLogger('silent') });
  const id = await paidOrder(1000);
  const { refund: a } = await svc.create(id, { amount: 300, requestId: 'closed-a-xxxx' }, 'ann');
  const { refund: b } = await svc.create(id, { amount: 200, requestId: 'closed-b-xxxx' }, 'ann');
  expect(await svc.applyWechatStatus(a, 'REFUNDCLOSE', {})).toBe('changed');
  expect(await svc.applyWechatStatus(b, 'CLOSED', {})).toBe('changed');
  expect(await svc.applyWechatStatus(b, 'REFUNDCLOSE', {})).toBe('unchanged');
  expect(await svc.applyWechatStatus(b, 'SUCCESS', {})).toBe('unchanged'); // final stays final
  expect(await orderModel(db).findById(id).lean()).toMatchObject({ refundable: 1000, refundReserved: 0, refunded: 0 });
});
