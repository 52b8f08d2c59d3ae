// Request, response and enum types of the /v3/global endpoints. Identity fields (mchid/appid or
// sp_mchid/sp_appid/sub_mchid/sub_appid) are filled in by the client from its mode; callers give business fields.

export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';
export const TRADE_STATES: readonly TradeState[] = ['SUCCESS', 'REFUND', 'NOTPAY', 'CLOSED', 'REVOKED', 'USERPAYING', 'PAYERROR'];
export const FINAL_TRADE_STATES: readonly TradeState[] = ['SUCCESS', 'REFUND', 'CLOSED', 'REVOKED', 'PAYERROR'];

export type TradeType = 'JSAPI' | 'NATIVE' | 'APP' | 'MWEB' | 'MICROPAY';

/** Query APIs say REFUNDCLOSE, notifications say CLOSED: both are accepted. */
export type RefundStatus = 'SUCCESS' | 'REFUNDCLOSE' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';
export type NormalizedRefundStatus = 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';

export function normalizeRefundStatus(s: string | undefined): NormalizedRefundStatus | undefined {
  switch (s) {
    case 'SUCCESS':
    case 'PROCESSING':
    case 'ABNORMAL':
      return s;
    case 'CLOSED':
    case 'REFUNDCLOSE':
      return 'CLOSED';
    default:
      return undefined;
  }
}

export type EventType = 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS' | 'REFUND.CLOSED' | 'REFUND.ABNORMAL';
export const EVENT_TYPES: readonly EventType[] = ['TRANSACTION.SUCCESS', 'REFUND.SUCCESS', 'REFUND.CLOSED', 'REFUND.ABNORMAL'];

export type SettleState = 'SETTLED' | 'UNSETTLE';

export interface ExchangeRate {
  type: string; // SETTLEMENT_RATE | USERPAYMENT_RATE
  rate: number; // ratio x 10^8
}

export interface SceneInfo {
  payer_client_ip?: string;
  device_ip?: string;
  device_id?: string;
  operator_id?: string;
  store_info?: { id: string; name?: string; address?: string };
}

export interface GoodsDetail {
  goods_id: string;
  wxpay_goods_id?: string;
  goods_name?: string;
  quantity: number;
  price: number;
}

export interface OrderDetail {
  cost_price?: number;
  receipt_id?: string;
  goods_detail?: GoodsDetail[];
}

/** Institution-mode overrides; default to the client's configured sub-merchant. */
export interface SubMerchantOverride {
  sub_mchid?: string;
  sub_appid?: string;
}

export interface JsapiOrderRequest extends SubMerchantOverride {
  description: string;
  out_trade_no: string;
  notify_url: string;
  merchant_category_code: string;
  amount: { total: number; currency?: string };
  /** Direct mode: `openid`. Institution mode: `sub_openid` (needs sub_appid) or `sp_openid`. */
  payer: { openid?: string; sub_openid?: string; sp_openid?: string };
  attach?: string;
  goods_tag?: string;
  limit_pay?: string;
  time_start?: string;
  time_expire?: string;
  scene_info?: SceneInfo;
  detail?: OrderDetail;
}

export interface JsapiOrderResponse {
  prepay_id: string;
}

export interface MicropayRequest extends SubMerchantOverride {
  description: string;
  out_trade_no: string;
  merchant_category_code: string;
  amount: { total: number; currency?: string };
  payer: { auth_code: string };
  attach?: string;
  goods_tag?: string;
  limit_pay?: string;
  scene_info?: SceneInfo;
  detail?: OrderDetail;
}

export interface PromotionDetail {
  promotion_id?: string;
  name?: string;
  scope?: string;
  type?: string;
  amount?: number;
  currency?: string;
  activity_id?: string;
  wechatpay_contribute_amount?: number;
  wxpay_contribute_amount?: number;
  merchant_contribute_amount?: number;
  other_contribute_amount?: number;
  goods_detail?: Array<{ goods_id?: string; goods_remark?: string; discount_amount?: number; quantity?: number; price?: number }>;
}

export interface TransactionAmount {
  total: number;
  currency: string;
  payer_total?: number;
  payer_currency?: string;
  exchange_rate?: ExchangeRate;
}

/** A payment order as queried, returned by Quick Pay, or decrypted from TRANSACTION.SUCCESS. */
export interface Transaction {
  /** WeChat Pay order number; filled from `id` or `transaction_id`, whichever the source used. */
  id: string;
  transaction_id: string;
  mchid?: string;
  appid?: string;
  sp_mchid?: string;
  sp_appid?: string;
  sub_mchid?: string;
  sub_appid?: string;
  out_trade_no: string;
  trade_type?: TradeType;
  trade_state: TradeState;
  trade_state_desc?: string;
  bank_type?: string;
  attach?: string;
  success_time?: string;
  payer?: { openid?: string; sp_openid?: string; sub_openid?: string };
  amount?: TransactionAmount;
  promotion_detail?: PromotionDetail[];
  detail?: PromotionDetail[];
  [extra: string]: unknown;
}

export interface RefundRequest extends SubMerchantOverride {
  transaction_id?: string;
  out_trade_no?: string;
  out_refund_no: string;
  amount: { refund: number; total: number; currency: string };
  reason?: string;
  notify_url?: string;
  source?: string; // e.g. REFUND_SOURCE_UNSETTLED_FUNDS
}

export interface RefundAmount {
  refund: number;
  currency: string;
  total?: number;
  payer_refund?: number;
  payer_total?: number;
  payer_currency?: string;
  settlement_refund?: number;
  settlement_currency?: string;
  exchange_rate?: ExchangeRate;
}

/** A refund as created, queried or listed. `id` and `refund_id` hold the same value whichever was sent. */
export interface Refund {
  id: string;
  refund_id: string;
  out_refund_no: string;
  transaction_id?: string;
  out_trade_no?: string;
  channel?: string;
  recv_account?: string;
  fund_source?: string;
  create_time?: string;
  success_time?: string;
  /** Absent on the create answer (a 200 only means "accepted"). */
  status?: RefundStatus;
  normalized_status?: NormalizedRefundStatus;
  amount?: RefundAmount;
  detail?: unknown;
  refund_detail?: unknown;
  [extra: string]: unknown;
}

export interface RefundList {
  id?: string;
  transaction_id?: string;
  out_trade_no?: string;
  amount?: TransactionAmount;
  data: Refund[];
  total_num?: number;
  current_total_num?: number;
  [extra: string]: unknown;
}

export interface ListRefundsRequest {
  out_trade_no?: string;
  transaction_id?: string;
  offset: number;
  count: number;
  sub_mchid?: string;
}

export interface SettlementQuery {
  settle_state: SettleState;
  settle_start_date?: string;
  settle_end_date?: string;
  /** 1..30; optional (the service answers at most 10 when absent). */
  limit?: number;
  /** Optional; 0 when absent. */
  offset?: number;
  sub_mchid?: string;
}

export interface Settlement {
  batch_id: string;
  settlement_date: string;
  trade_start_date: string;
  trade_end_date: string;
  amount: { settled: number; unsettle: number; currency: string; net?: number; fee?: number; pay?: number; refund?: number };
  wallet_region?: 'CHINA_MAINLAND' | 'CHINA_HONGKONG' | string;
  split_amount?: { settled: number; unsettle: number; currency: string; pay?: number; refund?: number };
}

export interface SettlementList {
  data: Settlement[];
  total_count?: number;
  offset: number;
  limit: number;
}

export interface CertificateList {
  data: Array<{
    serial_no: string;
    effective_time?: string;
    expire_time?: string;
    encrypt_certificate: { algorithm: string; nonce: string; associated_data?: string; ciphertext: string };
  }>;
}

/** What wx.requestPayment needs (appId is signed but not passed). */
export interface RequestPaymentParams {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

/** Refund notification plaintext (REFUND.SUCCESS / CLOSED / ABNORMAL). */
export interface RefundNotification {
  mchid?: string;
  sp_mchid?: string;
  sub_mchid?: string;
  transaction_id: string;
  out_trade_no: string;
  refund_id: string;
  id: string;
  out_refund_no: string;
  refund_status: RefundStatus;
  normalized_status: NormalizedRefundStatus;
  success_time?: string;
  recv_account?: string;
  fund_source?: string;
  amount?: RefundAmount;
  [extra: string]: unknown;
}
