// The refund service and sync job with a scripted WeChat Pay port, on each storage: in memory (the rules alone,
// no database) and on the real database (the same conditional updates as MongoDB runs them). Reservations under
// concurrency, retries with the same out_refund_no, and two job instances never handling one refund twice.
import type { Connection } from 'mongoose';
import type { Storage } from '../../../../server/src/domain/ports';
import type { PaymentGateway, Refund } from '../../../../server/src/domain/ports/payment-gateway';
import { RefundService } from '../../../../server/src/domain/refund-service';
import { syncRefunds } from '../../../../server/src/jobs/refund-sync';
import { createLogger } from '../../../../server/src/logger';
import { createMemoryStorage } from '../../../../server/src/storage/memory';
import { connectDatabase, createMongoStorage } from '../../../../server/src/storage/mongo';
import { WechatPayError } from '../../../../server/src/wechatpay';
import { dropDatabase, testDatabaseUri } from '../../../support/db';

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

const uri = testDatabaseUri('refundsync');
let db: Connection | undefined;
afterAll(async () => {
  if (!db) return;
  await db.close();
  await dropDatabase(uri);
});

async function mongoStorage(): Promise<Storage> {
  db ??= await connectDatabase(uri);
  const s = createMongoStorage(db);
  await s.init();
  return s;
}

describe.each([
  ['in memory', async (): Promise<Storage> => createMemoryStorage()],
  ['on the database', mongoStorage],
])('refunds %s', (_name, makeStorage) => {
  let st: Storage;
  beforeAll(async () => {
    st = await makeStorage();
  });

  let n = 0;
  async function paidOrder(total: number) {
    const o = await st.orders.insert(
      {
        outTradeNo: `T${Date.now()}${n++}`,
        customerOpenid: 'o1',
        clientRequestId: `c${Date.now()}${n++}`,
        items: [],
        description: 'd',
        total,
        currency: 'HKD',
        expiresAt: new Date(),
        source: 'miniprogram',
      },
      new Date(),
    );
    if (o === 'duplicate') throw new Error('duplicate order');
    await st.orders.transition(o.id, ['PENDING'], { status: 'PAID', wxTradeState: 'SUCCESS', refundable: total, paidAt: new Date() });
    return o.id;
  }
  const order = (id: string) => st.orders.findById(id);
  const refundById = (id: string) => st.refunds.findById(id);
  const service = (o: Partial<ConstructorParameters<typeof RefundService>[0]> & { gateway: PaymentGateway }) =>
    new RefundService({ orders: st.orders, refunds: st.refunds, logger: createLogger('silent'), ...o });

  test('concurrent refunds are bounded by one conditional reservation', async () => {
    const { gw } = scriptedGateway([]);
    const svc = service({ gateway: gw });
    const id = await paidOrder(1000);
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => svc.create(id, { amount: 300, requestId: `conc-${i}-xxxx` }, 'ann')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const o = await order(id);
    expect(o).toMatchObject({ refundable: 100, refundReserved: 900, refundCount: 3 });
    expect((await st.refunds.forOrders([id])).get(id)).toHaveLength(3);
  });

  test('retryable errors keep it PENDING; two job instances retry it once, with the same out_refund_no; a refusal releases', async () => {
    let now = new Date('2026-03-01T00:00:00Z');
    const clock = () => now;
    const { gw, calls, queries } = scriptedGateway([
      new WechatPayError({ kind: 'api', status: 403, code: 'NOT_ENOUGH', message: 'pool empty' }),
      new WechatPayError({ kind: 'timeout', code: 'TIMEOUT', message: 'no answer' }),
    ]);
    const svc = service({ gateway: gw, retryDelaysMs: [1000], processingCheckMs: 5000, now: clock });
    const id = await paidOrder(1000);
    const { refund } = await svc.create(id, { amount: 400, requestId: 'retry-1-xxxx' }, 'ann');
    expect(refund).toMatchObject({ status: 'PENDING', lastError: { code: 'NOT_ENOUGH' } });

    const job = (owner: string) => syncRefunds({ refundRecords: st.refunds, refunds: svc, owner, now: clock });
    now = new Date(now.getTime() + 2000);
    await Promise.all([job('i1'), job('i2')]); // timeout: still pending
    now = new Date(now.getTime() + 2000);
    const runs = await Promise.all([job('i1'), job('i2')]); // accepted
    expect(runs.reduce((s, r) => s + r.refunds, 0)).toBe(1);
    expect(calls).toEqual([refund.outRefundNo, refund.outRefundNo, refund.outRefundNo]);
    expect((await refundById(refund.id))?.status).toBe('PROCESSING');

    now = new Date(now.getTime() + 6000); // past the processing check: queried, settled once
    await Promise.all([job('i1'), job('i2')]);
    expect(queries).toEqual([refund.outRefundNo]);
    const done = await refundById(refund.id);
    expect(done).toMatchObject({ status: 'SUCCESS', settled: true, refundId: `wx-${refund.outRefundNo}` });
    expect(await order(id)).toMatchObject({ refundable: 600, refundReserved: 0, refunded: 400 });
    // Applying the same outcome again changes nothing.
    expect(await svc.applyWechatStatus(done!, 'SUCCESS', {})).toBe('unchanged');
    expect(await order(id)).toMatchObject({ refundable: 600, refundReserved: 0, refunded: 400 });

    const refusing = scriptedGateway([new WechatPayError({ kind: 'api', status: 400, code: 'PARAM_ERROR', message: 'bad' })]);
    const svc2 = service({ gateway: refusing.gw, now: clock });
    const { refund: refused } = await svc2.create(id, { amount: 600, requestId: 'refused-1-xx' }, 'ann');
    expect(refused).toMatchObject({ status: 'FAILED', lastError: { code: 'PARAM_ERROR' }, settled: true });
    expect(await order(id)).toMatchObject({ refundable: 600, refundReserved: 0, refunded: 400 });
  });

  /** What a crash between the refund's insert and its hold leaves behind (optionally with the hold taken). */
  async function interruptedRefund(orderId: string, amount: number, total: number, at: Date, held = false) {
    const r = await st.refunds.insert(
      {
        orderId,
        outTradeNo: 'X',
        outRefundNo: `R-int-${Date.now()}-${n++}`,
        requestId: `int-${Date.now()}-${n++}`,
        amount,
        currency: 'HKD',
        orderTotal: total,
        createdBy: 'ann',
        nextSyncAt: new Date(at.getTime() + 60_000),
      },
      at,
    );
    if (r === 'duplicate') throw new Error('duplicate refund');
    if (held) expect(await st.orders.takeRefundHold(orderId, r.id, amount, 50)).toBe(true);
    return r;
  }

  test('a refund interrupted before its hold is resumed by the job: held once, sent once', async () => {
    let now = new Date('2026-04-01T00:00:00Z');
    const { gw, calls } = scriptedGateway([]);
    const svc = service({ gateway: gw, now: () => now });
    const id = await paidOrder(500);
    const orphan = await interruptedRefund(id, 100, 500, now);
    now = new Date(now.getTime() + 61_000);
    const job = (owner: string) => syncRefunds({ refundRecords: st.refunds, refunds: svc, owner, now: () => now });
    await Promise.all([job('i1'), job('i2')]);
    expect(calls).toEqual([orphan.outRefundNo]);
    expect(await refundById(orphan.id)).toMatchObject({ status: 'PROCESSING', reserved: true, settled: false });
    expect(await order(id)).toMatchObject({ refundable: 400, refundReserved: 100, refundCount: 1, refundHolds: [orphan.id] });
  });

  test('a refund interrupted after its hold was taken is not held twice', async () => {
    let now = new Date('2026-04-02T00:00:00Z');
    const { gw, calls } = scriptedGateway([]);
    const svc = service({ gateway: gw, now: () => now });
    const id = await paidOrder(500);
    const orphan = await interruptedRefund(id, 200, 500, now, true);
    now = new Date(now.getTime() + 61_000);
    await syncRefunds({ refundRecords: st.refunds, refunds: svc, owner: 'i1', now: () => now });
    expect(calls).toEqual([orphan.outRefundNo]);
    expect(await order(id)).toMatchObject({ refundable: 300, refundReserved: 200, refundCount: 1 });
  });

  test('the same requestId again resumes an interrupted refund at once', async () => {
    const now = new Date();
    const { gw, calls } = scriptedGateway([]);
    const svc = service({ gateway: gw });
    const id = await paidOrder(500);
    const orphan = await interruptedRefund(id, 150, 500, now);
    const again = await Promise.all([1, 2].map(() => svc.create(id, { amount: 150, requestId: orphan.requestId }, 'ann')));
    expect(again.map((a) => [a.refund.id, a.created])).toEqual([
      [orphan.id, false],
      [orphan.id, false],
    ]);
    expect(new Set(calls)).toEqual(new Set([orphan.outRefundNo])); // sent (twice at most, with the same out_refund_no)
    expect(await order(id)).toMatchObject({ refundable: 350, refundReserved: 150, refundCount: 1 });
  });

  test('an interrupted refund the balance no longer allows ends FAILED with no money moved', async () => {
    let now = new Date('2026-04-03T00:00:00Z');
    const { gw, calls } = scriptedGateway([]);
    const svc = service({ gateway: gw, now: () => now });
    const id = await paidOrder(500);
    const orphan = await interruptedRefund(id, 300, 500, now);
    await svc.create(id, { amount: 400, requestId: `took-the-rest-${n++}` }, 'ann');
    now = new Date(now.getTime() + 61_000);
    await syncRefunds({ refundRecords: st.refunds, refunds: svc, owner: 'i1', now: () => now });
    expect(calls).toHaveLength(1); // only the other refund
    expect(await refundById(orphan.id)).toMatchObject({ status: 'FAILED', settled: true, lastError: { code: 'REFUND_EXCEEDS_BALANCE' } });
    expect(await order(id)).toMatchObject({ refundable: 100, refundReserved: 400, refundCount: 1 });
  });

  test('a refund whose hold was not released after its final status is released by the job, once', async () => {
    let now = new Date('2026-04-04T00:00:00Z');
    const { gw } = scriptedGateway([]);
    const svc = service({ gateway: gw, now: () => now });
    const id = await paidOrder(800);
    const { refund } = await svc.create(id, { amount: 300, requestId: `crash-final-${n++}` }, 'ann');
    // A crash right after the status change: the refund is SUCCESS, the order still holds the amount.
    await st.refunds.update(refund.id, {}, { set: { status: 'SUCCESS', nextSyncAt: new Date(now.getTime() + 60_000) } });
    expect(await order(id)).toMatchObject({ refundable: 500, refundReserved: 300, refunded: 0 });
    now = new Date(now.getTime() + 61_000);
    const job = (owner: string) => syncRefunds({ refundRecords: st.refunds, refunds: svc, owner, now: () => now });
    await Promise.all([job('i1'), job('i2')]);
    await job('i1');
    expect(await refundById(refund.id)).toMatchObject({ status: 'SUCCESS', settled: true });
    expect(await order(id)).toMatchObject({ refundable: 500, refundReserved: 0, refunded: 300, refundHolds: [] });
    // And a late notification of the same outcome changes nothing.
    expect(await svc.applyWechatStatus(refund, 'SUCCESS', {})).toBe('unchanged');
    expect(await order(id)).toMatchObject({ refundable: 500, refundReserved: 0, refunded: 300 });
  });

  test('both spellings of a closed refund release the reservation, once', async () => {
    const { gw } = scriptedGateway([]);
    const svc = service({ gateway: gw });
    const id = await paidOrder(1000);
    const { refund: a } = await svc.create(id, { amount: 300, requestId: 'closed-a-xxxx' }, 'ann');
    const { refund: b } = await svc.create(id, { amount: 200, requestId: 'closed-b-xxxx' }, 'ann');
    expect(await svc.applyWechatStatus(a, 'REFUNDCLOSE', {})).toBe('changed');
    expect(await svc.applyWechatStatus(b, 'CLOSED', {})).toBe('changed');
    expect(await svc.applyWechatStatus(b, 'REFUNDCLOSE', {})).toBe('unchanged');
    expect(await svc.applyWechatStatus(b, 'SUCCESS', {})).toBe('unchanged'); // final stays final
    expect(await order(id)).toMatchObject({ refundable: 1000, refundReserved: 0, refunded: 0 });
  });
});
