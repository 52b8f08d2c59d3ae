// The JSON WeChat Pay Global answers with, built from ledger documents, in the fields of each mode.
import { rfc3339 } from '../clock';
import type { OrderDoc, RefundDoc } from '../ledger/models';

export const TRADE_STATE_DESC: Record<string, string> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '未支付',
  CLOSED: '已关闭',
  REVOKED: '已撤销',
  USERPAYING: '用户支付中，需要输入密码',
  PAYERROR: '支付失败',
};

export function identityFields(o: Pick<OrderDoc, 'mode' | 'mchid' | 'sub_mchid' | 'appid' | 'sub_appid'>): Record<string, string> {
  if (o.mode === 'direct') return { mchid: o.mchid, appid: o.appid };
  return { sp_mchid: o.mchid, sp_appid: o.appid, sub_mchid: o.sub_mchid!, ...(o.sub_appid ? { sub_appid: o.sub_appid } : {}) };
}

function payer(o: OrderDoc): Record<string, string> {
  if (o.payer.openid) return { openid: o.payer.openid };
  if (o.payer.sub_openid) return { sub_openid: o.payer.sub_openid };
  if (o.payer.sp_openid) return { sp_openid: o.payer.sp_openid };
  return {};
}

const paid = (o: OrderDoc) => o.success_time !== undefined && o.success_time !== null;

/** A transaction as the query (and Quick Pay) answers it; `idField` names the WeChat order number. */
export function transaction(o: OrderDoc, idField: 'id' | 'transaction_id' | 'both' = 'id'): Record<string, unknown> {
  const ids = idField === 'both' ? { id: o.transaction_id, transaction_id: o.transaction_id } : { [idField]: o.transaction_id };
  return {
    ...identityFields(o),
    ...ids,
    out_trade_no: o.out_trade_no,
    ...(o.attach ? { attach: o.attach } : {}),
    trade_type: o.trade_type,
    trade_state: o.trade_state,
    trade_state_desc: TRADE_STATE_DESC[o.trade_state],
    ...(paid(o) ? { bank_type: o.bank_type, success_time: rfc3339(o.success_time!) } : {}),
    ...(o.trade_type === 'MICROPAY' && !paid(o) ? {} : { payer: payer(o) }),
    amount: paid(o)
      ? {
          total: o.amount.total,
          currency: o.amount.currency,
          payer_total: o.payer_total,
          payer_currency: o.payer_currency,
          exchange_rate: { type: 'SETTLEMENT_RATE', rate: o.exchange_rate },
        }
      : { total: o.amount.total, currency: o.amount.currency },
    ...(paid(o) && o.promotion_detail?.length ? { promotion_detail: o.promotion_detail } : {}),
  };
}

export function refundAmount(r: RefundDoc) {
  return {
    refund: r.amount.refund,
    currency: r.amount.currency,
    payer_refund: r.amount.payer_refund,
    payer_currency: r.amount.payer_currency,
    exchange_rate: { type: 'SETTLEMENT_RATE', rate: r.amount.exchange_rate },
  };
}

/** The answer to a refund request: accepted, no status. */
export function refundCreated(r: RefundDoc): Record<string, unknown> {
  return { id: r.refund_id, out_refund_no: r.out_refund_no, create_time: rfc3339(r.created_at), amount: refundAmount(r) };
}

/** A refund as the refund queries answer it. */
export function refundQueried(r: RefundDoc): Record<string, unknown> {
  return {
    id: r.refund_id,
    out_refund_no: r.out_refund_no,
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    channel: 'ORIGINAL',
    recv_account: '支付用户零钱',
    fund_source: r.source ?? 'REFUND_SOURCE_UNSETTLED_FUNDS',
    ...(r.success_time ? { success_time: rfc3339(r.success_time) } : {}),
    create_time: rfc3339(r.created_at),
    status: r.status,
    amount: refundAmount(r),
  };
}

/** The decrypted plaintext of a REFUND.* notification (refund_id / transaction_id naming). */
export function refundNotification(r: RefundDoc, o: OrderDoc): Record<string, unknown> {
  const id = o.mode === 'direct' ? { mchid: o.mchid } : { sp_mchid: o.mchid, sub_mchid: o.sub_mchid };
  const status = r.status === 'REFUNDCLOSE' ? 'CLOSED' : r.status;
  return {
    ...id,
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    refund_status: status,
    ...(r.success_time ? { success_time: rfc3339(r.success_time) } : {}),
    recv_account: '支付用户零钱',
    fund_source: r.source ?? 'REFUND_SOURCE_UNSETTLED_FUNDS',
    amount: {
      total: r.amount.total,
      currency: r.amount.currency,
      refund: r.amount.refund,
      payer_total: o.payer_total,
      payer_refund: r.amount.payer_refund,
      payer_currency: r.amount.payer_currency,
      exchange_rate: { type: 'SETTLEMENT_RATE', rate: r.amount.exchange_rate },
    },
  };
}
