// The refund service and sync job with a scripted WeChat Pay port, on each storage: in memory (the rules alone,
// no database) and on the real database (the same conditional updates as MongoDB runs them). Reservations under
// concurrency, retries with the same out_refund_no, and two job instances never handling one refund twice;
// NOT_ENOUGH again and again -> waiting for staff -> retry from a chosen source or cancel (each once under
// concurrency); refunds made in the merchant platform found by the all-refunds query and recorded once.
import { DomainError } from '../../../../server/src/domain/errors';
import type { Storage } from '../../../../server/src/domain/ports';
import type { PaymentGateway, Refund, RefundNotification } from '../../../../server/src/domain/ports/payment-gateway';
import { RefundDiscovery } from '../../../../server/src/domain/refund-discovery';
import { handleRefundEvent } from '../../../../server/src/domain/refund-notifications';
import { RefundService } from '../../../../server/src/domain/refund-service';
import { syncRefunds } from '../../../../server/src/jobs/refund-sync';
import { createLogger } from '../../../../server/src/logger';
import { createMemoryStorage } from '../../../../server/src/storage/memory';
import { WechatPayError } from '../../../../server/src/wechatpay';
import { mongoStorageForFile } from '../../../support/db';

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

const mongoStorage = mongoStorageForFile('refundsync');

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

  // ---------- NOT_ENOUGH: waiting for staff ----------

  /** WeChat as a ledger: refunds it accepted (ours and external), queries and the all-refunds list answer from it. */
  function ledgerGateway(answers: Array<'ok' | WechatPayError> = []) {
    const atWechat = new Map<string, Refund>();
    const sent: Array<{ no: string; source?: string }> = [];
    const gw = {
      identity: { mode: 'direct', mchid: 'm', appid: 'a' },
      async refund(req: { out_refund_no: string; out_trade_no?: string; source?: string; amount: { refund: number; currency: string } }) {
        sent.push({ no: req.out_refund_no, source: req.source });
        const a = answers.shift() ?? 'ok';
        if (a !== 'ok') throw a;
        const r: Refund = {
          id: `wx-${req.out_refund_no}`,
          refund_id: `wx-${req.out_refund_no}`,
          out_refund_no: req.out_refund_no,
          out_trade_no: req.out_trade_no,
          fund_source: req.source,
          amount: { refund: req.amount.refund, currency: req.amount.currency },
        };
        atWechat.set(req.out_refund_no, { ...r, status: 'PROCESSING' });
        return r;
      },
      async queryRefund(no: string) {
        return atWechat.get(no);
      },
      async listRefunds(req: { out_trade_no: string; offset: number; count: number }) {
        const all = [...atWechat.values()].filter((r) => r.out_trade_no === req.out_trade_no);
        return { data: all.slice(req.offset, req.offset + req.count), total_num: all.length };
      },
    } as unknown as PaymentGateway;
    /** A refund the merchant made in the merchant platform. */
    const external = (outTradeNo: string, no: string, amount: number, status: Refund['status']) =>
      atWechat.set(no, {
        id: `wx-${no}`,
        refund_id: `wx-${no}`,
        out_refund_no: no,
        out_trade_no: outTradeNo,
        fund_source: 'REFUND_SOURCE_UNSETTLED_FUNDS',
        create_time: '2026-05-01T10:00:00+08:00',
        status,
        amount: { refund: amount, currency: 'HKD' },
      });
    const settle = (no: string, status: Refund['status']) =>
      atWechat.set(no, { ...atWechat.get(no)!, status, success_time: new Date().toISOString() });
    return { gw, sent, atWechat, external, settle };
  }
  const notEnough = () => new WechatPayError({ kind: 'api', status: 403, code: 'NOT_ENOUGH', message: '基本账户余额不足' });
  const codeOf = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' ? (r.reason as DomainError).code : 'ok');

  /** A refund answered NOT_ENOUGH `retries` times in a row: it waits for staff. */
  async function awaitingRefund(amount: number, total: number, w = ledgerGateway([notEnough(), notEnough()])) {
    let now = new Date('2026-05-01T00:00:00Z');
    const clock = () => now;
    const svc = service({ gateway: w.gw, retryDelaysMs: [1000], notEnoughRetries: 2, now: clock });
    const id = await paidOrder(total);
    const { refund } = await svc.create(id, { amount, requestId: `wait-${Date.now()}-${n++}` }, 'ann');
    now = new Date(now.getTime() + 2000);
    await syncRefunds({ refundRecords: st.refunds, refunds: svc, owner: 'i1', now: clock });
    return { svc, id, refund, w, advance: (ms: number) => (now = new Date(now.getTime() + ms)), clock };
  }

  test('NOT_ENOUGH N times in a row: the job stops retrying; the refund waits for staff, its amount still held', async () => {
    let now = new Date('2026-05-02T00:00:00Z');
    const clock = () => now;
    const w = ledgerGateway([
      notEnough(),
      new WechatPayError({ kind: 'timeout', code: 'TIMEOUT', message: 'x' }),
      notEnough(),
      notEnough(),
      notEnough(),
    ]);
    const svc = service({ gateway: w.gw, retryDelaysMs: [1000], notEnoughRetries: 3, now: clock });
    const id = await paidOrder(1000);
    const { refund } = await svc.create(id, { amount: 600, requestId: `ne-${n++}-xxxx` }, 'ann');
    expect(refund).toMatchObject({ status: 'PENDING', notEnoughStreak: 1, source: 'REFUND_SOURCE_UNSETTLED_FUNDS' });
    const job = () => syncRefunds({ refundRecords: st.refunds, refunds: svc, owner: 'i1', now: clock });
    // A timeout between NOT_ENOUGH answers starts the count again: 1, 0, 1, 2, 3.
    for (let i = 0; i < 4; i++) {
      now = new Date(now.getTime() + 2000);
      await job();
    }
    const waiting = await refundById(refund.id);
    expect(waiting).toMatchObject({
      status: 'PENDING',
      awaitingStaff: 'NOT_ENOUGH',
      notEnoughStreak: 3,
      lastError: { code: 'NOT_ENOUGH' },
    });
    expect(waiting?.nextSyncAt).toBeUndefined();
    expect(w.sent.map((c) => c.source)).toEqual(Array(5).fill('REFUND_SOURCE_UNSETTLED_FUNDS'));
    // No more calls, however long the job runs; the order keeps holding the amount.
    for (let i = 0; i < 3; i++) {
      now = new Date(now.getTime() + 3600_000);
      expect((await job()).refunds).toBe(0);
    }
    expect(w.sent).toHaveLength(5);
    expect(await order(id)).toMatchObject({ refundable: 400, refundReserved: 600, refundHolds: [refund.id] });
    expect(await st.refunds.countAwaitingStaff()).toBeGreaterThanOrEqual(1);
  });

  test('staff retry from recharge funds: the same out_refund_no with the new source; accepted, then settled', async () => {
    const { svc, id, refund, w, advance, clock } = await awaitingRefund(500, 800);
    expect(await refundById(refund.id)).toMatchObject({ awaitingStaff: 'NOT_ENOUGH' });
    const retried = await svc.retryAwaiting(refund.id, 'REFUND_SOURCE_RECHARGE_FUNDS');
    expect(retried).toMatchObject({ status: 'PROCESSING', source: 'REFUND_SOURCE_RECHARGE_FUNDS', notEnoughStreak: 0 });
    expect(retried.awaitingStaff).toBeUndefined();
    expect(retried.lastError).toBeUndefined();
    expect(w.sent.map((c) => c.no)).toEqual([refund.outRefundNo, refund.outRefundNo, refund.outRefundNo]);
    expect(w.sent[2]!.source).toBe('REFUND_SOURCE_RECHARGE_FUNDS');
    w.settle(refund.outRefundNo, 'SUCCESS');
    advance(10 * 60_000);
    await syncRefunds({ refundRecords: st.refunds, refunds: svc, owner: 'i1', now: clock });
    expect(await refundById(refund.id)).toMatchObject({ status: 'SUCCESS', settled: true });
    expect(await order(id)).toMatchObject({ refundable: 300, refundReserved: 0, refunded: 500, refundHolds: [] });
  });

  test('two clicks (or a retry and a cancel) at once: one acts, the other is refused', async () => {
    const a = await awaitingRefund(300, 500);
    const twice = await Promise.allSettled([
      a.svc.retryAwaiting(a.refund.id, 'REFUND_SOURCE_RECHARGE_FUNDS'),
      a.svc.retryAwaiting(a.refund.id, 'REFUND_SOURCE_RECHARGE_FUNDS'),
    ]);
    expect(twice.map(codeOf).sort()).toEqual(['REFUND_NOT_AWAITING_STAFF', 'ok']);
    expect(a.w.sent).toHaveLength(3); // two NOT_ENOUGH, one retry

    const b = await awaitingRefund(300, 500);
    const mixed = await Promise.allSettled([
      b.svc.retryAwaiting(b.refund.id, 'REFUND_SOURCE_RECHARGE_FUNDS'),
      b.svc.cancelAwaiting(b.refund.id, 'ann'),
    ]);
    expect(mixed.map(codeOf).filter((c) => c === 'ok')).toHaveLength(1);
    const after = await refundById(b.refund.id);
    const o = await order(b.id);
    if (after?.status === 'FAILED') expect(o).toMatchObject({ refundable: 500, refundReserved: 0, refunded: 0 });
    else expect(o).toMatchObject({ refundable: 200, refundReserved: 300 });
  });

  test('cancel: FAILED with the reason, the hold released once; a second cancel is refused', async () => {
    const { svc, id, refund } = await awaitingRefund(450, 1000);
    const both = await Promise.allSettled([svc.cancelAwaiting(refund.id, 'ann: customer paid cash'), svc.cancelAwaiting(refund.id, 'bob')]);
    expect(both.map(codeOf).sort()).toEqual(['REFUND_NOT_AWAITING_STAFF', 'ok']);
    const done = await refundById(refund.id);
    expect(done).toMatchObject({ status: 'FAILED', settled: true, lastError: { code: 'CANCELLED_BY_STAFF' } });
    expect(['ann: customer paid cash', 'bob']).toContain(done?.lastError?.message);
    expect(done?.awaitingStaff).toBeUndefined();
    expect(await order(id)).toMatchObject({ refundable: 1000, refundReserved: 0, refunded: 0, refundHolds: [] });
    await expect(svc.retryAwaiting(refund.id, 'REFUND_SOURCE_RECHARGE_FUNDS')).rejects.toMatchObject({ code: 'REFUND_NOT_AWAITING_STAFF' });
    await expect(svc.cancelAwaiting('65f0000000000000000000ff', 'x')).rejects.toMatchObject({ code: 'REFUND_NOT_FOUND' });
  });

  test('cancel of a refund WeChat turns out to have is refused, and the refund is tracked again', async () => {
    const { svc, id, refund, w } = await awaitingRefund(200, 600);
    w.external(`unused`, 'noop', 1, 'PROCESSING'); // another order's refund: not this one
    w.atWechat.set(refund.outRefundNo, {
      id: 'wx-late',
      refund_id: 'wx-late',
      out_refund_no: refund.outRefundNo,
      status: 'PROCESSING',
      amount: { refund: 200, currency: 'HKD' },
    });
    await expect(svc.cancelAwaiting(refund.id, 'ann')).rejects.toMatchObject({ code: 'REFUND_ACCEPTED_AT_WECHAT' });
    const r = await refundById(refund.id);
    expect(r).toMatchObject({ status: 'PROCESSING', refundId: 'wx-late' });
    expect(r?.awaitingStaff).toBeUndefined();
    expect(await order(id)).toMatchObject({ refundable: 400, refundReserved: 200 });
  });

  // ---------- refunds made outside this system ----------

  const discoveryFor = (svc: RefundService, gw: PaymentGateway) =>
    new RefundDiscovery({ orders: st.orders, refundRecords: st.refunds, refunds: svc, gateway: gw, logger: createLogger('silent') });

  test('an external refund found twice at once is recorded once, and counted once', async () => {
    const w = ledgerGateway();
    const svc = service({ gateway: w.gw });
    const id = await paidOrder(1000);
    const o = (await order(id))!;
    w.external(o.outTradeNo, `MP-${n++}`, 400, 'SUCCESS');
    const d = discoveryFor(svc, w.gw);
    const [a, b] = await Promise.all([d.checkOrder(o), d.checkOrder(o)]);
    expect(a.found + b.found).toBe(2);
    expect(a.recorded + b.recorded).toBe(1);
    const list = (await st.refunds.forOrders([id])).get(id)!;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ external: true, createdBy: 'wechat-merchant-platform', status: 'SUCCESS', amount: 400, settled: true });
    expect(await order(id)).toMatchObject({ refundable: 600, refundReserved: 0, refunded: 400, refundCount: 1, refundHolds: [] });
    expect((await d.checkOrder(o)).recorded).toBe(0);
    expect(await order(id)).toMatchObject({ refundable: 600, refunded: 400, refundCount: 1 });
  });

  test('an external refund PROCESSING is held and tracked by the job until SUCCESS; never sent by us', async () => {
    let now = new Date('2026-05-03T00:00:00Z');
    const clock = () => now;
    const w = ledgerGateway();
    const svc = service({ gateway: w.gw, processingCheckMs: 5000, retryDelaysMs: [1000], now: clock });
    const id = await paidOrder(1000);
    const o = (await order(id))!;
    const no = `MP-${n++}`;
    w.external(o.outTradeNo, no, 300, 'PROCESSING');
    expect(await discoveryFor(svc, w.gw).checkOrder(o)).toEqual({ found: 1, recorded: 1, flagged: 0 });
    const r = (await st.refunds.findByOutRefundNo(no))!;
    expect(r).toMatchObject({ status: 'PROCESSING', reserved: true, external: true, refundId: `wx-${no}` });
    expect(await order(id)).toMatchObject({ refundable: 700, refundReserved: 300, refundHolds: [r.id] });
    w.settle(no, 'SUCCESS');
    now = new Date(now.getTime() + 6000);
    await Promise.all([
      syncRefunds({ refundRecords: st.refunds, refunds: svc, owner: 'i1', now: clock }),
      syncRefunds({ refundRecords: st.refunds, refunds: svc, owner: 'i2', now: clock }),
    ]);
    expect(await refundById(r.id)).toMatchObject({ status: 'SUCCESS', settled: true });
    expect(await order(id)).toMatchObject({ refundable: 700, refundReserved: 0, refunded: 300, refundHolds: [] });
    expect(w.sent).toEqual([]);
  });

  test('an external refund the order cannot count is flagged for a person, then counted once the balance allows', async () => {
    let now = new Date('2026-05-04T00:00:00Z');
    const clock = () => now;
    const a = await awaitingRefund(700, 1000);
    const svc = service({ gateway: a.w.gw, retryDelaysMs: [1000], notEnoughRetries: 2, now: clock });
    const o = (await order(a.id))!;
    const no = `MP-${n++}`;
    a.w.external(o.outTradeNo, no, 500, 'SUCCESS'); // our 700 held + 500 > 1000
    expect(await discoveryFor(svc, a.w.gw).checkOrder(o)).toMatchObject({ recorded: 1, flagged: 1 });
    const ext = (await st.refunds.findByOutRefundNo(no))!;
    expect(ext).toMatchObject({ external: true, status: 'PENDING', reserved: false });
    expect(ext.flagged).toMatch(/cannot count it/);
    const flagged = (await order(a.id))!;
    expect(flagged.flagged).toMatch(/made outside this system/);
    expect(flagged).toMatchObject({ refundable: 300, refundReserved: 700, refunded: 0 });
    // The person cancels our refund (WeChat never had it); the job then counts the external one, once.
    await svc.cancelAwaiting(a.refund.id, 'ann');
    now = new Date(now.getTime() + 2000);
    await Promise.all([
      syncRefunds({ refundRecords: st.refunds, refunds: svc, owner: 'i1', now: clock }),
      syncRefunds({ refundRecords: st.refunds, refunds: svc, owner: 'i2', now: clock }),
    ]);
    const counted = await refundById(ext.id);
    expect(counted).toMatchObject({ status: 'SUCCESS', settled: true, reserved: true });
    expect(counted?.flagged).toBeUndefined();
    expect(await order(a.id)).toMatchObject({ refundable: 500, refundReserved: 0, refunded: 500, refundHolds: [] });
  });

  test('a job working from a stale copy of an external refund another finder already counted flags nothing', async () => {
    const w = ledgerGateway();
    const svc = service({ gateway: w.gw });
    const id = await paidOrder(1000);
    const o = (await order(id))!;
    const no = `MP-${n++}`;
    w.external(o.outTradeNo, no, 700, 'SUCCESS');
    // One finder inserted it (then paused); the job claimed that copy; another finder counted it meanwhile.
    const stale = await st.refunds.insert(
      {
        orderId: id,
        outTradeNo: o.outTradeNo,
        outRefundNo: no,
        requestId: `external:${no}`,
        amount: 700,
        currency: 'HKD',
        orderTotal: 1000,
        createdBy: 'wechat-merchant-platform',
        external: true,
        nextSyncAt: new Date(),
      },
      new Date(),
    );
    if (stale === 'duplicate') throw new Error('duplicate');
    expect(await svc.recordFromWechat(o, (await w.gw.queryRefund(no))!)).toEqual({ recorded: false, flagged: false });
    expect(await order(id)).toMatchObject({ refundable: 300, refunded: 700, refundReserved: 0 });
    await svc.sync(stale);
    const after = await order(id);
    expect(after).toMatchObject({ refundable: 300, refunded: 700, refundReserved: 0, refundCount: 1, refundHolds: [] });
    expect(after?.flagged).toBeUndefined();
    expect((await refundById(stale.id))?.flagged).toBeUndefined();
  });

  test('a refund notification for an out_refund_no we do not know is looked up, recorded and applied', async () => {
    const w = ledgerGateway();
    const svc = service({ gateway: w.gw });
    const id = await paidOrder(1000);
    const o = (await order(id))!;
    const no = `MP-${n++}`;
    w.external(o.outTradeNo, no, 250, 'SUCCESS');
    const deps = {
      refundRecords: st.refunds,
      refundEvents: st.refundEvents,
      refunds: svc,
      identity: { mode: 'direct' as const, mchid: 'm', appid: 'a' },
      logger: createLogger('silent'),
      orders: st.orders,
      discovery: discoveryFor(svc, w.gw),
    };
    const resource = {
      mchid: 'm',
      out_trade_no: o.outTradeNo,
      transaction_id: 'tx',
      out_refund_no: no,
      refund_id: `wx-${no}`,
      id: `wx-${no}`,
      refund_status: 'SUCCESS',
      normalized_status: 'SUCCESS',
      amount: { refund: 250, currency: 'HKD' },
    } as RefundNotification;
    const event = (eid: string) => ({ id: eid, event_type: 'REFUND.SUCCESS', resource }) as never;
    const outcomes = await Promise.all([handleRefundEvent(deps, event(`EV-${no}-1`)), handleRefundEvent(deps, event(`EV-${no}-2`))]);
    expect(outcomes).toEqual(['applied', 'applied']);
    expect((await st.refunds.forOrders([id])).get(id)).toHaveLength(1);
    expect(await order(id)).toMatchObject({ refundable: 750, refunded: 250, refundReserved: 0 });
    const events = await st.refundEvents.forOrder(id, 10);
    expect(events.map((e) => e.detail)).toContainEqual(expect.stringMatching(/outside this system/));
    // Another merchant's (genuine but not ours) or an unknown order's refund is not looked up.
    const other = await handleRefundEvent(deps, {
      id: `EV-${no}-3`,
      event_type: 'REFUND.SUCCESS',
      resource: { ...resource, out_refund_no: 'X1', out_trade_no: 'NOPE' },
    } as never);
    expect(other).toBe('flagged');
  });
});
