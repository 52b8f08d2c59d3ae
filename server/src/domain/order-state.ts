// The order state machine. WeChat's trade_state is mapped onto our status in ONE function (`transitionFor`),
// and every move is ONE conditional update on the order, so concurrent notifications, queries and jobs
// converge: whoever comes second finds the condition false and changes nothing.
import type { OrderStatus } from '../../../shared/api';
import type { Order, OrderPromotion, OrderRepository, PayerAmount, TransitionFields } from './ports/orders';
import type { ExpectedMerchant, Transaction } from './ports/payment-gateway';

export type Transition =
  { to: 'PAID'; from: OrderStatus[] } | { to: 'CLOSED'; from: OrderStatus[] } | { to: 'FAILED'; from: OrderStatus[] } | { to: undefined }; // not final yet (NOTPAY, USERPAYING): only remember what WeChat said

/** WeChat trade_state -> our transition. */
export function transitionFor(tradeState: string): Transition {
  switch (tradeState) {
    case 'SUCCESS':
    case 'REFUND': // paid, then (partly) refunded: still money received
      // Money moved: even an order we believed closed or failed must show it (and a person sees it in the log).
      return { to: 'PAID', from: ['PENDING', 'CLOSED', 'FAILED'] };
    case 'CLOSED':
    case 'REVOKED':
      return { to: 'CLOSED', from: ['PENDING'] };
    case 'PAYERROR':
      return { to: 'FAILED', from: ['PENDING'] };
    default:
      return { to: undefined };
  }
}

/** Why a transaction about this order cannot be trusted to move it, or undefined when it matches. */
export function mismatch(
  order: Pick<Order, 'outTradeNo' | 'total' | 'currency'>,
  tx: Transaction,
  id: ExpectedMerchant,
): { field: string; flag: boolean } | undefined {
  if (tx.out_trade_no !== order.outTradeNo) return { field: 'out_trade_no', flag: false };
  if (id.mode === 'direct') {
    if (tx.mchid !== undefined && tx.mchid !== id.mchid) return { field: 'mchid', flag: false };
    if (tx.appid !== undefined && tx.appid !== id.appid) return { field: 'appid', flag: false };
    if (tx.mchid === undefined) return { field: 'mchid', flag: false };
  } else {
    if (tx.sp_mchid !== id.mchid) return { field: 'sp_mchid', flag: false };
    if (id.subMchid && tx.sub_mchid !== id.subMchid) return { field: 'sub_mchid', flag: false };
    if (tx.sp_appid !== undefined && tx.sp_appid !== id.appid) return { field: 'sp_appid', flag: false };
    if (id.subAppid && tx.sub_appid !== undefined && tx.sub_appid !== id.subAppid) return { field: 'sub_appid', flag: false };
  }
  // Amount and currency differences on a genuine, matching order: never pay it, and a person must look.
  if (!tx.amount || tx.amount.total !== order.total) return { field: 'amount.total', flag: true };
  if (tx.amount.currency !== order.currency) return { field: 'amount.currency', flag: true };
  return undefined;
}

export type ApplyResult =
  | { result: 'changed'; status: OrderStatus }
  | { result: 'unchanged' } // already in that state, or not final
  | { result: 'flagged'; reason: string }
  | { result: 'rejected'; reason: string };

/**
 * Moves the order to what WeChat reports, once. `order` is what the caller read; the update re-checks the
 * status in the database, so a stale read can never apply twice.
 */
export async function applyTransaction(
  orders: OrderRepository,
  order: Order,
  tx: Transaction,
  id: ExpectedMerchant,
  now = new Date(),
  /** Told the order as it is after a change this call made (as the conditional update returned it). */
  onChanged?: (after: Order) => void,
  /** The notification event carrying `tx`: recorded on the order by the update that pays it. */
  event?: { id: string; receivedAt: Date },
): Promise<ApplyResult> {
  const bad = mismatch(order, tx, id);
  if (bad?.flag) {
    const reason = `WeChat reports ${tx.trade_state} with ${bad.field} = ${bad.field === 'amount.total' ? tx.amount?.total : tx.amount?.currency}, order has ${bad.field === 'amount.total' ? order.total : order.currency}`;
    await orders.flag(order.id, reason);
    return { result: 'flagged', reason };
  }
  if (bad) return { result: 'rejected', reason: `${bad.field} does not match the order` };
  const t = transitionFor(tx.trade_state);
  if (!t.to) {
    if (order.status !== 'PENDING' || order.wxTradeState === tx.trade_state) return { result: 'unchanged' };
    await orders.noteTradeState(order.id, tx.trade_state);
    return { result: 'unchanged' };
  }
  // No status moves back into a `from` list (PAID is final; CLOSED and FAILED never become PENDING again), so
  // an order read outside it cannot match the update below: skip the writes (most deliveries are repeats).
  if (!t.from.includes(order.status)) return { result: 'unchanged' };
  const set: TransitionFields = { status: t.to, wxTradeState: tx.trade_state };
  if (tx.id) set.transactionId = tx.id;
  if (t.to === 'PAID') {
    set.paidAt = tx.success_time && !Number.isNaN(Date.parse(tx.success_time)) ? new Date(tx.success_time) : now;
    set.refundable = order.total;
    Object.assign(set, payerAmount(tx));
    if (event) {
      set.paymentEventId = event.id;
      set.paymentEventAt = event.receivedAt;
    }
  } else if (t.to === 'CLOSED') {
    set.closedAt = now;
  }
  // One WeChat transaction pays one order: a platform-signed event replaying another order's transaction (or
  // another order's event id) under this out_trade_no must not pay it (transactionId and paymentEventId are
  // unique among orders, checked by the same update).
  const after = await orders.transition(order.id, t.from, set);
  if (after === 'taken') return { result: 'rejected', reason: 'the transaction or its event paid another order' };
  if (after === 'unmatched') return { result: 'unchanged' };
  onChanged?.(after);
  return { result: 'changed', status: t.to };
}

const nonNegativeInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const text = (v: unknown, max = 128): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/** The payer side of a paid transaction: payer_total, payer_currency, exchange_rate and promotion_detail. */
export function payerAmount(tx: Transaction): PayerAmount {
  const out: PayerAmount = {};
  const a = tx.amount;
  if (a && nonNegativeInt(a.payer_total)) out.payerTotal = a.payer_total;
  if (a && typeof a.payer_currency === 'string' && /^[A-Z]{3}$/.test(a.payer_currency)) out.payerCurrency = a.payer_currency;
  if (a?.exchange_rate && nonNegativeInt(a.exchange_rate.rate) && a.exchange_rate.rate > 0) {
    out.exchangeRate = a.exchange_rate.rate;
    if (text(a.exchange_rate.type, 32)) out.exchangeRateType = a.exchange_rate.type;
  }
  const promotions = (Array.isArray(tx.promotion_detail) ? tx.promotion_detail : [])
    .filter((p) => p && nonNegativeInt(p.amount))
    .slice(0, 20)
    .map((p) => {
      const o: OrderPromotion = { amount: p.amount! };
      if (text(p.promotion_id, 64)) o.promotionId = p.promotion_id;
      if (text(p.name, 64)) o.name = p.name;
      if (text(p.scope, 32)) o.scope = p.scope;
      if (text(p.type, 32)) o.type = p.type;
      if (text(p.activity_id, 64)) o.activityId = p.activity_id;
      if (text(p.currency, 8)) o.currency = p.currency;
      const wx = p.wechatpay_contribute_amount ?? p.wxpay_contribute_amount;
      if (nonNegativeInt(wx)) o.wechatpayContribute = wx;
      if (nonNegativeInt(p.merchant_contribute_amount)) o.merchantContribute = p.merchant_contribute_amount;
      if (nonNegativeInt(p.other_contribute_amount)) o.otherContribute = p.other_contribute_amount;
      return o;
    });
  if (promotions.length) out.promotions = promotions;
  return out;
}
