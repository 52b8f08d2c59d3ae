// Statements (a day's CSV, SHA-1 header, optional gzip, signed over {"sha1":"..."}) and settlements,
// both computed from the sandbox's own ledger.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Context } from 'koa';
import { z } from 'zod';
import { statementDigestBody } from '../../src/wechatpay/crypto';
import { SETTLEMENT_DEFAULT_LIMIT, SETTLEMENT_DEFAULT_OFFSET, SETTLEMENT_MAX_LIMIT } from '../../src/wechatpay/limits';
import { addDays, gmt8Date, gmt8DayRange, isCalendarDate, statementTime } from '../clock';
import type { OrderDoc, RefundDoc } from '../ledger/models';
import { fee, formatMajor } from '../ledger/money';
import type { Sandbox } from '../sandbox';
import type { ApiState } from './state';
import { errors, validate } from './errors';
import { identityFields } from './presenters';

/** The statement header row as WeChat Pay writes it (Chinese); the client maps columns by position (STATEMENT_COLUMNS). */
export const STATEMENT_HEADER_ZH = [
  '交易时间',
  '公众账号ID',
  '商户号',
  '子商户号',
  '设备号',
  '微信订单号',
  '商户订单号',
  '用户标识',
  '交易类型',
  '交易状态',
  '付款银行',
  '充值券币种',
  '充值券金额',
  '优惠券币种',
  '优惠券金额',
  '微信退款单号',
  '商户退款单号',
  '退款类型',
  '退款状态',
  '商品名称',
  '商户数据包',
  '手续费',
  '费率',
  '标价币种',
  '订单金额(标价币种)',
  '用户支付币种',
  '用户支付金额',
  '结算币种',
  '应结订单金额',
  '支付汇率',
  '退款汇率',
  '申请退款金额',
  '用户退款币种',
  '用户退款金额',
  '退款结算币种',
  '退款应结订单金额',
  '充值券退款金额',
  '优惠券退款金额',
];

const rate = (r: number | undefined) => ((r ?? 1e8) / 1e8).toFixed(8);

function openidOf(o: OrderDoc): string {
  return o.payer.openid ?? o.payer.sub_openid ?? o.payer.sp_openid ?? '';
}

function row(o: OrderDoc, r: RefundDoc | undefined, bp: number): string[] {
  const c = o.amount.currency;
  const z = formatMajor(0, c);
  const ids = identityFields(o);
  const base = [
    statementTime(r ? r.created_at : o.success_time!),
    ids.appid ?? ids.sp_appid ?? '',
    o.mchid,
    o.sub_mchid ?? '',
    String((o.scene_info as { device_id?: string } | undefined)?.device_id ?? ''),
    o.transaction_id,
    o.out_trade_no,
    openidOf(o),
    o.trade_type,
    r ? 'REFUND' : 'SUCCESS',
    o.bank_type ?? 'OTHERS',
    '',
    z,
    '',
    z,
    r?.refund_id ?? '',
    r?.out_refund_no ?? '',
    r ? 'ORIGINAL' : '',
    r?.status ?? '',
    o.description,
    o.attach ?? '',
    formatMajor(r ? -fee(r.amount.refund, bp) : fee(o.amount.total, bp), c),
    `${(bp / 100).toFixed(2)}%`,
    c,
    formatMajor(r ? 0 : o.amount.total, c),
    'CNY',
    formatMajor(r ? 0 : (o.payer_total ?? 0), 'CNY'),
    c,
    formatMajor(r ? 0 : o.amount.total, c),
    rate(o.exchange_rate),
    r ? rate(r.amount.exchange_rate) : '',
    formatMajor(r?.amount.refund ?? 0, c),
    'CNY',
    formatMajor(r?.amount.payer_refund ?? 0, 'CNY'),
    c,
    formatMajor(r?.amount.refund ?? 0, c),
    z,
    z,
  ];
  return base;
}

export async function statement(sandbox: Sandbox, ctx: Context): Promise<void> {
  const m = (ctx.state as ApiState).merchant;
  const q = ctx.query as Record<string, string | undefined>;
  const date = q.date;
  if (!date) throw errors.param('#/properties/date', undefined, 'required', 'query');
  if (!isCalendarDate(date)) throw errors.param('#/properties/date', date, 'must be a date yyyyMMdd', 'query');
  const today = gmt8Date(sandbox.clock.now());
  if (date > today) throw errors.param('#/properties/date', date, 'must not be in the future', 'query');
  if (date < addDays(today, -180)) throw errors.param('#/properties/date', date, 'only the last 180 days can be downloaded', 'query');
  if (date === today && !sandbox.config.settings.statementsAllowToday) throw errors.noStatement();
  let filter: Record<string, unknown>;
  if (m.mode === 'direct') {
    if (q.mchid !== m.mchid)
      throw errors.param('#/properties/mchid', q.mchid, q.mchid ? 'must equal the mchid of the Authorization header' : 'required', 'query');
    filter = { merchantKey: m.mchid };
  } else {
    if (q.sp_mchid !== m.mchid)
      throw errors.param(
        '#/properties/sp_mchid',
        q.sp_mchid,
        q.sp_mchid ? 'must equal the mchid of the Authorization header' : 'required',
        'query',
      );
    filter = q.sub_mchid ? { merchantKey: `${m.mchid}/${q.sub_mchid}` } : { mchid: m.mchid, mode: 'institution' };
  }
  const { start, end } = gmt8DayRange(date);
  const orders = await sandbox.models.Order.find({ ...filter, success_time: { $gte: start, $lt: end } })
    .sort({ success_time: 1 })
    .lean<OrderDoc[]>();
  const refunds = await sandbox.models.Refund.find({ ...filter, created_at: { $gte: start, $lt: end } })
    .sort({ created_at: 1 })
    .lean<RefundDoc[]>();
  const refundOrders = new Map(
    (await sandbox.models.Order.find({ _id: { $in: refunds.map((r) => r.order_id) } }).lean<OrderDoc[]>()).map((o) => [o._id, o]),
  );
  const bp = sandbox.config.settings.feeRateBasisPoints;
  const rows = [
    ...orders.filter((o) => o.trade_state !== 'REVOKED').map((o) => row(o, undefined, bp)),
    ...refunds.flatMap((r) => (refundOrders.get(r.order_id) ? [row(refundOrders.get(r.order_id)!, r, bp)] : [])),
  ];
  if (rows.length === 0) throw errors.noStatement();
  const csv =
    [STATEMENT_HEADER_ZH.join(','), ...rows.map((cells) => cells.map((v) => `\`${v.replace(/,/g, '，')}`).join(','))].join('\r\n') + '\r\n';
  const sha1 = createHash('sha1').update(csv, 'utf8').digest('hex');
  ctx.set('Wechatpay-Statement-Sha1', sha1);
  ctx.type = 'text/plain; charset=utf-8';
  (ctx.state as ApiState).signedBody = statementDigestBody(sha1);
  if (/\bgzip\b/i.test(ctx.get('accept-encoding'))) {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = gzipSync(Buffer.from(csv, 'utf8'));
  } else {
    ctx.body = csv;
  }
}

const yyyymmdd = z.string().refine(isCalendarDate, 'must be a date yyyyMMdd');

interface TradeDay {
  date: string;
  currency: string;
  pay: number;
  refund: number;
  fee: number;
}

// Summing the whole ledger is the costly part of a settlement query. One sum per merchant runs at a time and
// every query arriving meanwhile shares it; a finished sum serves for two more seconds (a settlement query is
// never about the last seconds' payments). Counting the age from the start instead let a slow sum (a large
// ledger under load) be started again and again while it ran, each copy slowing the others.
const sums = new WeakMap<Sandbox, Map<string, { doneAt?: number; days: Promise<Map<string, TradeDay>> }>>();
const SUM_TTL_MS = 2000;

function tradeDays(sandbox: Sandbox, filter: Record<string, string>): Promise<Map<string, TradeDay>> {
  let cache = sums.get(sandbox);
  if (!cache) sums.set(sandbox, (cache = new Map()));
  const key = JSON.stringify(filter);
  const hit = cache.get(key);
  if (hit && (hit.doneAt === undefined || Date.now() - hit.doneAt < SUM_TTL_MS)) return hit.days;
  const entry: { doneAt?: number; days: Promise<Map<string, TradeDay>> } = { days: sumTradeDays(sandbox, filter) };
  cache.set(key, entry);
  entry.days.then(
    () => (entry.doneAt = Date.now()),
    () => cache.get(key) === entry && cache.delete(key),
  );
  return entry.days;
}

async function sumTradeDays(sandbox: Sandbox, filter: Record<string, string>): Promise<Map<string, TradeDay>> {
  const orders = await sandbox.models.Order.find(
    { ...filter, success_time: { $ne: null } },
    { trade_state: 1, success_time: 1, amount: 1 },
  ).lean<OrderDoc[]>();
  const refunds = await sandbox.models.Refund.find({ ...filter, status: 'SUCCESS' }, { success_time: 1, created_at: 1, amount: 1 }).lean<
    RefundDoc[]
  >();
  const bp = sandbox.config.settings.feeRateBasisPoints;
  const days = new Map<string, TradeDay>();
  const bucket = (date: string, currency: string) => {
    const k = `${date}|${currency}`;
    let b = days.get(k);
    if (!b) days.set(k, (b = { date, currency, pay: 0, refund: 0, fee: 0 }));
    return b;
  };
  for (const o of orders) {
    if (o.trade_state === 'REVOKED') continue;
    const b = bucket(gmt8Date(o.success_time!), o.amount.currency);
    b.pay += o.amount.total;
    b.fee += fee(o.amount.total, bp);
  }
  for (const r of refunds) {
    const b = bucket(gmt8Date(r.success_time ?? r.created_at), r.amount.currency);
    b.refund += r.amount.refund;
    b.fee -= fee(r.amount.refund, bp);
  }
  return days;
}

/** Batches per trade day and currency; a day's batch settles `settlementDelayDays` later (T+1 by default). */
export async function settlements(sandbox: Sandbox, ctx: Context): Promise<void> {
  const m = (ctx.state as ApiState).merchant;
  const p = validate(
    z
      .object({
        sub_mchid: z.string().min(1).max(32).optional(),
        settle_state: z.enum(['SETTLED', 'UNSETTLE']),
        settle_start_date: yyyymmdd.optional(),
        settle_end_date: yyyymmdd.optional(),
        // Optional in the official field table (the other pages' examples always send them): absent means
        // the first page of SETTLEMENT_DEFAULT_LIMIT, the size the table recommends ("preferably no more than 10").
        limit: z.coerce.number().int().min(1).max(SETTLEMENT_MAX_LIMIT).default(SETTLEMENT_DEFAULT_LIMIT),
        offset: z.coerce.number().int().min(0).default(SETTLEMENT_DEFAULT_OFFSET),
      })
      .superRefine((v, c) => {
        if (v.settle_state !== 'SETTLED') return;
        if (!v.settle_start_date)
          c.addIssue({ code: 'custom', path: ['settle_start_date'], message: 'required when settle_state is SETTLED' });
        else if (!v.settle_end_date)
          c.addIssue({ code: 'custom', path: ['settle_end_date'], message: 'required when settle_state is SETTLED' });
        else if (v.settle_end_date < v.settle_start_date)
          c.addIssue({ code: 'custom', path: ['settle_end_date'], message: 'must not be before settle_start_date' });
      }),
    ctx.query,
    'query',
  );
  if (p.sub_mchid && !(m.mode === 'institution' && m.subMchids.includes(p.sub_mchid))) {
    throw errors.noAuth('子商户号与机构商户号不存在受理关系', 'The sub_mchid is not served by this merchant');
  }
  const filter: Record<string, string> = p.sub_mchid ? { merchantKey: `${m.mchid}/${p.sub_mchid}` } : { mchid: m.mchid };
  const days = await tradeDays(sandbox, filter);
  const today = gmt8Date(sandbox.clock.now());
  const delay = sandbox.config.settings.settlementDelayDays;
  const bp = sandbox.config.settings.feeRateBasisPoints;
  // Merchants configured so: wallet_region on every batch; a share of each day marked as profit-sharing,
  // reported as split_amount and left out of amount (the two add up to the day's totals).
  const walletRegion = m.settings.walletRegion ?? undefined;
  const splitBp = m.settings.splitBasisPoints ?? 0;
  const batches = [...days.values()]
    .sort((a, b) => (a.date === b.date ? a.currency.localeCompare(b.currency) : a.date.localeCompare(b.date)))
    .map((b, i, all) => {
      const settlement_date = addDays(b.date, delay);
      const seq = all.slice(0, i).filter((x) => x.date === b.date).length + 1;
      const settled = settlement_date <= today;
      const split =
        splitBp > 0 ? { pay: Math.round((b.pay * splitBp) / 10000), refund: Math.round((b.refund * splitBp) / 10000) } : undefined;
      const splitFee = split ? fee(split.pay, bp) - fee(split.refund, bp) : 0;
      const net = b.pay - b.refund - (split ? split.pay - split.refund : 0);
      const dayFee = b.fee - splitFee;
      const splitNet = split ? split.pay - split.refund - splitFee : 0;
      return {
        settled,
        item: {
          batch_id: `${settlement_date}${String(seq).padStart(3, '0')}`,
          settlement_date,
          trade_start_date: b.date,
          trade_end_date: b.date,
          amount: { settled: settled ? net - dayFee : 0, unsettle: settled ? 0 : net - dayFee, currency: b.currency, net, fee: dayFee },
          ...(split
            ? {
                split_amount: {
                  settled: settled ? splitNet : 0,
                  unsettle: settled ? 0 : splitNet,
                  currency: b.currency,
                  pay: split.pay,
                  refund: split.refund,
                },
              }
            : {}),
          ...(walletRegion ? { wallet_region: walletRegion } : {}),
        },
      };
    });
  const chosen = batches
    .filter((b) =>
      p.settle_state === 'SETTLED'
        ? b.settled && b.item.settlement_date >= p.settle_start_date! && b.item.settlement_date <= p.settle_end_date!
        : !b.settled,
    )
    .map((b) => b.item);
  const page = chosen.slice(p.offset, p.offset + p.limit);
  ctx.body = { data: page, total_count: chosen.length, offset: p.offset, limit: page.length };
}
