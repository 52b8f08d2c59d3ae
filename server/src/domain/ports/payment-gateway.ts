// The domain's one port to WeChat Pay: every operation the order, refund, POS and reconciliation rules need, in
// domain words. `gateway/wechatpay-gateway.ts` adapts the APIv3 client to it; tests script it. This file is the
// only place in the domain that names the client library: its wire types (what WeChat reports) and its error
// type (`WechatPayError`: `code` is WeChat Pay's business code, `outcomeUnknown` says "query before acting").
import type {
  HeaderSource,
  ListRefundsRequest,
  MicropayResult,
  NotificationResult,
  Refund,
  RefundList,
  RefundNotification,
  RefundRequest,
  RequestPaymentParams,
  SettlementList,
  SettlementQuery,
  Statement,
  StatementRow,
  Transaction,
} from '../../wechatpay';
import { ERROR_CODE_ALIASES, isWechatPayError, normalizeRefundStatus, WechatPayError } from '../../wechatpay';

export { ERROR_CODE_ALIASES, isWechatPayError, normalizeRefundStatus, WechatPayError };
export type {
  HeaderSource,
  ListRefundsRequest,
  MicropayResult,
  NotificationResult,
  Refund,
  RefundList,
  RefundNotification,
  RequestPaymentParams,
  SettlementList,
  SettlementQuery,
  Statement,
  StatementRow,
  Transaction,
};

/** One line of the order as WeChat Pay's detail.goods_detail carries it (price in minor units). */
export interface GoodsLine {
  goodsId: string;
  goodsName?: string;
  quantity: number;
  price: number;
}

export interface PrepayInput {
  outTradeNo: string;
  description: string;
  total: number;
  currency: string;
  openid: string;
  /** WeChat closes the order itself after this. */
  timeExpire: Date;
  /** detail.goods_detail: the order's items. */
  goods?: GoodsLine[];
  /** scene_info.payer_client_ip: the customer's address as the backend saw it. */
  payerClientIp?: string;
  /** Echoed back in queries, notifications and statements (at most 127 characters). */
  attach?: string;
}

export interface MicropayInput {
  outTradeNo: string;
  description: string;
  total: number;
  currency: string;
  authCode: string;
  goods?: GoodsLine[];
  /** detail.receipt_id: the receipt the charge belongs to (our out_trade_no). */
  receiptId?: string;
  attach?: string;
  /** scene_info of the till: store, device, operator. */
  scene?: {
    storeId?: string;
    storeName?: string;
    storeAddress?: string;
    deviceId?: string;
    deviceIp?: string;
    operatorId?: string;
  };
}

/** Who we are at WeChat Pay: what a genuine notification about our orders must name. */
export interface ExpectedMerchant {
  mode: 'direct' | 'institution';
  mchid: string;
  appid: string;
  subMchid?: string;
  subAppid?: string;
}

export interface PaymentGateway {
  readonly identity: ExpectedMerchant;
  /** JSAPI order; idempotent per out_trade_no at WeChat (the same prepay_id comes back). */
  prepay(input: PrepayInput): Promise<{ prepayId: string }>;
  /** Fresh wx.requestPayment parameters (new nonce, timestamp and paySign) for a prepay id. */
  paymentParams(prepayId: string): Promise<RequestPaymentParams>;
  /** The order at WeChat, or undefined when WeChat does not know it (ORDER_NOT_EXIST / ORDERNOTEXIST). */
  queryByOutTradeNo(outTradeNo: string): Promise<Transaction | undefined>;
  /** Closes an unpaid order. 'paid' when WeChat answers ORDERPAID (query it next). */
  close(outTradeNo: string): Promise<'closed' | 'paid'>;
  /** Quick Pay. Never retried: after `outcomeUnknown` errors query by out_trade_no. */
  micropay(input: MicropayInput): Promise<MicropayResult>;
  reverse(outTradeNo: string): Promise<void>;
  /** notify_url is filled in (the refunds notification URL). */
  refund(req: Omit<RefundRequest, 'notify_url'>): Promise<Refund>;
  /** undefined when WeChat does not know the out_refund_no. */
  queryRefund(outRefundNo: string): Promise<Refund | undefined>;
  listRefunds(req: ListRefundsRequest): Promise<RefundList>;
  /** A day's statement (yyyyMMdd), SHA-1 and signature verified, parsed. */
  statement(date: string): Promise<Statement>;
  settlements(query: SettlementQuery): Promise<SettlementList>;
  /** Verify the raw body and decrypt the resource. `{ok:false}` = reject with 4xx; a throw = our fault (5xx). */
  parseNotification(headers: HeaderSource, rawBody: Buffer | string): Promise<NotificationResult>;
  /** True when the platform certificates (or public key) used to verify WeChat Pay are present and fresh. */
  ready(): Promise<boolean>;
}

export function isOrderNotExist(err: unknown): boolean {
  return isWechatPayError(err, ERROR_CODE_ALIASES.orderNotExist);
}
