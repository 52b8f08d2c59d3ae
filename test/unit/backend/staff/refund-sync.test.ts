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

test('a refund interrupted before its reservation was confirmed is found by the job and flagged, never sent', async () => {
  let now = new Date('2026-04-01T00:00:00Z');
  const { gw, calls } = scriptedGateway([]);
  const svc = new RefundService({ Order: orderModel(db), Refund: refundModel(db), gateway: gw, logger: createLogger('silent'), now: () => now });
  const id = await paidOrder(500);
  // What a crash between the insert and the reservation leaves behind.
  const orphan = await refundModel(db).create({
    orderId: id,
    outTradeNo: 'X',
    outRefundNo: `R-orphan-${Date.now()}`,
    requestId: `orphan-${Date.now()}`,
    amount: 100,
    currency: 'HKD',
    orderTotal: 500,
    status: 'PENDING',
    createdBy: 'ann',
    nextSyncAt: new Date(now.getTime() + 60_000),
  });
  now = new Date(now.getTime() + 61_000);
  await syncRefunds({ Refund: refundModel(db), refunds: svc, owner: 'i1', now: () => now });
  expect(calls).toEqual([]);
  expect(await refundModel(db).findById(orphan._id).lean()).toMatchObject({ status: 'FAILED', flagged: expect.stringMatching(/reservation/) });
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
