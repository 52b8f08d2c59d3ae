// The daily reconciliation job's rules on in-memory storage with a scripted WeChat Pay: one claim per day across
// two runners, a statement not available yet tried again later, missed days caught up, differences stored once,
// settlement batches matched to the days they settle.
import { DailyReconciliation, gmt8Date } from '../../../../server/src/domain/daily-reconciliation';
import type { Order } from '../../../../server/src/domain/ports/orders';
import { WechatPayError, type Statement, type StatementRow } from '../../../../server/src/domain/ports/payment-gateway';
import { RefundDiscovery } from '../../../../server/src/domain/refund-discovery';
import { RefundService } from '../../../../server/src/domain/refund-service';
import { createMemoryStorage } from '../../../../server/src/storage/memory';
import { scriptedGateway, silent } from './support';

const HOUR = 3600_000;
// 2026-05-10 12:00 GMT+8: yesterday is 20260509, its first attempt was at 10:00 today.
const NOW = new Date('2026-05-10T12:00:00+08:00');

function row(outTradeNo: string, total: string, fee = '0.17'): StatementRow {
  return {
    out_trade_no: outTradeNo,
    out_refund_no: '',
    total_amount: total,
    trade_state: 'SUCCESS',
    currency: 'HKD',
    fee,
    cells: [],
  } as unknown as StatementRow;
}
const notYet = (code = 'NO_STATEMENT_EXIST') =>
  new WechatPayError({ kind: 'api', code, message: 'bill does not exist', status: 400 } as never);

function setup(statements: Record<string, () => Statement | Error>, over: { lookbackDays?: number } = {}) {
  const st = createMemoryStorage();
  const calls: string[] = [];
  const gateway = scriptedGateway({
    async statement(date) {
      calls.push(date);
      const s = statements[date]?.() ?? notYet();
      if (s instanceof Error) throw s;
      return s;
    },
    async settlements() {
      return {
        data: [
          {
            batch_id: 'B-0509',
            settlement_date: '20260511',
            trade_start_date: '20260509',
            trade_end_date: '20260509',
            amount: { currency: 'HKD' },
          },
        ],
        total_count: 1,
      } as never;
    },
  });
  const opts = {
    days: st.reconciliation,
    orders: st.orders,
    refunds: st.refunds,
    gateway,
    currency: 'HKD',
    lookbackDays: over.lookbackDays ?? 2,
    firstAttemptHour: 10,
    retryMs: HOUR,
    claimMs: 60_000,
    maxAttempts: 3,
  };
  return { st, calls, opts, daily: new DailyReconciliation(opts) };
}
const statement = (rows: StatementRow[]): Statement => ({ header: [], rows, text: 'csv', sha1: 'a'.repeat(40) });

test('dates are GMT+8 days; the first attempt is at the configured hour of the next day', () => {
  const { daily } = setup({});
  expect(gmt8Date(new Date('2026-05-09T16:30:00Z'))).toBe('20260510');
  expect(daily.daysToWatch(NOW)).toEqual(['20260509', '20260508', '20260507']);
  expect(daily.firstAttemptAt('20260509').toISOString()).toBe('2026-05-10T02:00:00.000Z');
  expect(daily.daysToWatch(new Date('2026-05-10T09:00:00+08:00'))[0]).toBe('20260509');
});

test('a day is not asked for before its first attempt hour', async () => {
  const { daily, calls } = setup({ '20260509': () => statement([row('A1', '10.00')]) }, { lookbackDays: 0 });
  await daily.run('one', new Date('2026-05-10T09:59:00+08:00'));
  expect(calls).toEqual([]);
  expect((await daily.listDays())[0]).toMatchObject({ date: '20260509', state: 'pending', attempts: 0 });
});

test('two runners at the same moment: each day is reconciled once', async () => {
  const { daily, calls, opts, st } = setup({
    '20260509': () => statement([row('A1', '10.00')]),
    '20260508': () => statement([]),
    '20260507': () => statement([]),
  });
  const other = new DailyReconciliation(opts);
  await Promise.all([daily.run('one', NOW), other.run('two', NOW)]);
  expect(calls.sort()).toEqual(['20260507', '20260508', '20260509']);
  const day = await daily.day('20260509');
  expect(day?.day).toMatchObject({ state: 'differences', rows: 1, differences: 1, attempts: 1 });
  expect(day?.day.totals).toEqual({ payments: 1000, refunds: 0, fees: 17, currency: 'HKD' });
  expect(day?.differences).toEqual([expect.objectContaining({ kind: 'missing_locally', outTradeNo: 'A1' })]);
  expect(st.reconciliation.differenceWrites()).toBe(3); // one per day
});

test('statement not available: tried again after the retry delay, then reconciled', async () => {
  let ready = false;
  const { daily, calls } = setup(
    { '20260509': () => (ready ? statement([row('A1', '10.00')]) : notYet('STATEMENT_CREATING')) },
    { lookbackDays: 0 },
  );
  await daily.run('one', NOW);
  expect((await daily.day('20260509'))?.day).toMatchObject({
    state: 'pending',
    attempts: 1,
    lastError: expect.stringMatching(/STATEMENT_CREATING/),
  });
  await daily.run('one', new Date(NOW.getTime() + HOUR / 2)); // not due yet
  expect(calls).toHaveLength(1);
  ready = true;
  await daily.run('one', new Date(NOW.getTime() + HOUR + 1));
  expect(calls).toHaveLength(2);
  expect((await daily.day('20260509'))?.day).toMatchObject({ state: 'differences', attempts: 2, differences: 1 });
});

test('no statement and no business of ours that day: reconciled empty; with business: retried, then final', async () => {
  const { daily, st } = setup({}, { lookbackDays: 0 });
  await daily.run('one', NOW);
  expect((await daily.day('20260509'))?.day).toMatchObject({ state: 'reconciled', rows: 0, differences: 0 });

  const busy = setup({}, { lookbackDays: 0 });
  const paid = { outTradeNo: 'L1', status: 'PAID', total: 500, paidAt: new Date('2026-05-09T12:00:00+08:00') } as Order;
  busy.st.orders.paidBetween = async () => [paid];
  let t = NOW.getTime();
  for (let i = 0; i < 2; i++, t += HOUR + 1) await busy.daily.run('one', new Date(t));
  expect((await busy.daily.day('20260509'))?.day).toMatchObject({ state: 'pending', attempts: 2 });
  await busy.daily.run('one', new Date(t)); // the last attempt: compared with an empty statement
  const d = await busy.daily.day('20260509');
  expect(d?.day).toMatchObject({ state: 'differences', attempts: 3 });
  expect(d?.differences).toEqual([expect.objectContaining({ kind: 'missing_at_wechat', outTradeNo: 'L1' })]);
  expect(st.reconciliation).toBeDefined();
});

test('missed days are caught up within the look-back; differences stored once', async () => {
  const { daily, calls, st } = setup({
    '20260506': () => statement([row('OLD', '1.00')]),
    '20260507': () => statement([row('B1', '2.00')]),
    '20260508': () => statement([row('B2', '3.00')]),
    '20260509': () => statement([row('B3', '4.00')]),
  });
  await daily.run('one', NOW);
  expect(calls.sort()).toEqual(['20260507', '20260508', '20260509']); // 20260506 is beyond the look-back
  await daily.run('one', new Date(NOW.getTime() + 5 * HOUR));
  await daily.run('two', new Date(NOW.getTime() + 50 * HOUR));
  expect(calls.filter((c) => c !== '20260510' && c !== '20260511')).toHaveLength(3);
  expect(st.reconciliation.differenceWrites()).toBe(5); // 0507..0509, then 0510 and 0511 (empty), each once
  expect((await daily.day('20260508'))?.differences).toHaveLength(1);
  expect(await daily.differencesOfLastDay()).toEqual({ date: '20260511', differences: 0 });
});

test('a failed download is marked failed and retried; a settled day shows its batch', async () => {
  let fail = true;
  const { daily } = setup(
    {
      '20260509': () =>
        fail ? new WechatPayError({ kind: 'network', code: 'NETWORK', message: 'socket hang up' } as never) : statement([]),
    },
    { lookbackDays: 0 },
  );
  await daily.run('one', NOW);
  expect((await daily.day('20260509'))?.day).toMatchObject({ state: 'failed', lastError: 'socket hang up' });
  fail = false;
  await daily.run('one', new Date(NOW.getTime() + HOUR + 1));
  const d = (await daily.day('20260509'))?.day;
  expect(d).toMatchObject({ state: 'reconciled', settlement: { batchId: 'B-0509', settlementDate: '20260511' } });
  expect(await daily.differencesOfLastDay()).toEqual({ date: '20260509', differences: 0 });
});

test('a refund in the statement that we do not have is looked up with the all-refunds query and recorded, not reported', async () => {
  const { st, opts } = setup({}, { lookbackDays: 0 });
  const inserted = await st.orders.insert(
    {
      outTradeNo: 'L2',
      customerOpenid: 'o',
      clientRequestId: 'c-l2',
      items: [],
      description: 'd',
      total: 1000,
      currency: 'HKD',
      expiresAt: new Date(),
      source: 'miniprogram',
    },
    new Date('2026-05-09T11:00:00+08:00'),
  );
  if (inserted === 'duplicate') throw new Error('duplicate');
  await st.orders.transition(inserted.id, ['PENDING'], {
    status: 'PAID',
    wxTradeState: 'SUCCESS',
    refundable: 1000,
    paidAt: new Date('2026-05-09T12:00:00+08:00'),
  });
  const listed: string[] = [];
  const gateway = scriptedGateway({
    async statement() {
      return statement([
        row('L2', '10.00'),
        { ...row('L2', '10.00'), out_refund_no: 'MP-300', refund_amount: '3.00', refund_status: 'SUCCESS' } as StatementRow,
        { ...row('ELSEWHERE', '5.00'), out_refund_no: 'MP-X', refund_amount: '1.00', refund_status: 'SUCCESS' } as StatementRow,
      ]);
    },
    async listRefunds(req) {
      listed.push(req.out_trade_no!);
      return {
        data: [
          {
            id: 'wx-mp-300',
            refund_id: 'wx-mp-300',
            out_refund_no: 'MP-300',
            out_trade_no: 'L2',
            status: 'SUCCESS',
            create_time: '2026-05-09T13:00:00+08:00',
            amount: { refund: 300, currency: 'HKD' },
          },
        ],
        total_num: 1,
      };
    },
    async settlements() {
      return { data: [], total_count: 0 } as never;
    },
  });
  const refunds = new RefundService({ orders: st.orders, refunds: st.refunds, gateway, logger: silent });
  const discovery = new RefundDiscovery({ orders: st.orders, refundRecords: st.refunds, refunds, gateway, logger: silent });
  const daily = new DailyReconciliation({ ...opts, gateway, discovery });
  await daily.run('one', NOW);
  expect(listed).toEqual(['L2']); // our order only, once
  const day = await daily.day('20260509');
  expect(day?.differences).toEqual([expect.objectContaining({ kind: 'missing_locally', outRefundNo: 'MP-X' })]);
  expect(await st.refunds.findByOutRefundNo('MP-300')).toMatchObject({ external: true, status: 'SUCCESS', amount: 300 });
  expect(await st.orders.findById(inserted.id)).toMatchObject({ refundable: 700, refunded: 300, refundReserved: 0 });
});
