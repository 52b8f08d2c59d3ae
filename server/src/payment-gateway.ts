// The backend's port to WeChat Pay: every operation the order, refund, POS and reconciliation code needs, in
// domain words. `createPaymentGateway` adapts the APIv3 client (server/src/wechatpay) to it; live or sandbox is
// only a matter of the base URL and keys in the configuration. Errors are the client's WechatPayError (its
// `code` is WeChat Pay's business code, `outcomeUnknown` says "query before acting again").
import { readFileSync } from 'node:fs';
import { verificationMode, type Config } from './config';
import {
  createWechatPayClient,
  ERROR_CODE_ALIASES,
  isWechatPayError,
  WechatPayError,
  type ListRefundsRequest,
  type MicropayResult,
  type NotificationResult,
  type Refund,
  type RefundList,
  type RefundRequest,
  type RequestPaymentParams,
  type SettlementList,
  type SettlementQuery,
  type Statement,
  type Transaction,
  type WechatPayClient,
} from './wechatpay';
import type { HeaderSource } from './wechatpay/http/headers';

export { WechatPayError, isWechatPayError };
export type { Transaction, Refund, RefundList, NotificationResult, MicropayResult, Statement };

export interface PrepayInput {
  outTradeNo: string;
  description: string;
  total: number;
  currency: string;
  openid: string;
  /** WeChat closes the order itself after this. */
  timeExpire: Date;
}

export interface MicropayInput {
  outTradeNo: string;
  description: string;
  total: number;
  currency: string;
  authCode: string;
}

/** Who we are at WeChat Pay: what a genuine notification about our orders must name. */
export interface MerchantIdentity {
  mode: 'direct' | 'institution';
  mchid: string;
  appid: string;
  subMchid?: string;
  subAppid?: string;
}

export interface PaymentGateway {
  readonly identity: MerchantIdentity;
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

export function identityFromConfig(config: Config): MerchantIdentity {
  const id: MerchantIdentity = { mode: config.WECHATPAY_MODE, mchid: config.WECHATPAY_MCHID, appid: config.WECHATPAY_APPID };
  if (config.WECHATPAY_SUB_MCHID) id.subMchid = config.WECHATPAY_SUB_MCHID;
  if (config.WECHATPAY_SUB_APPID) id.subAppid = config.WECHATPAY_SUB_APPID;
  return id;
}

/** The notify URL WeChat Pay posts to: notify base + path, no query string (as required). */
export function notifyUrl(config: Config, kind: 'transactions' | 'refunds'): string {
  return `${config.WECHATPAY_NOTIFY_BASE_URL.replace(/\/+$/, '')}/wechatpay/notify/${kind}`;
}

/** The adapter over the APIv3 client. Keys are read once; the client keeps them as KeyObjects. */
export function createPaymentGateway(config: Config, opts: { platformCertificates?: string[] } = {}): PaymentGateway & { client: WechatPayClient } {
  const identity = identityFromConfig(config);
  const verifyWith = verificationMode(config);
  const common = {
    merchantSerial: config.WECHATPAY_MERCHANT_SERIAL,
    privateKey: readFileSync(config.WECHATPAY_PRIVATE_KEY_PATH),
    apiV3Key: config.WECHATPAY_APIV3_KEY,
    baseUrl: config.WECHATPAY_BASE_URL,
    timeoutMs: config.WECHATPAY_TIMEOUT_MS,
    platformCertificates: opts.platformCertificates,
    // Platform certificates, the public key, or both while WeChat Pay switches from one to the other.
    ...(verifyWith !== 'certificates'
      ? { platformPublicKey: { id: config.WECHATPAY_PUBLIC_KEY_ID!, key: readFileSync(config.WECHATPAY_PUBLIC_KEY_PATH!) }, downloadCertificates: verifyWith === 'both' }
      : { downloadCertificates: true }),
  };
  const client =
    identity.mode === 'direct'
      ? createWechatPayClient({ mode: 'direct', mchid: identity.mchid, appid: identity.appid, ...common })
      : createWechatPayClient({ mode: 'institution', spMchid: identity.mchid, spAppid: identity.appid, subMchid: identity.subMchid!, subAppid: identity.subAppid, ...common });
  const payer = (openid: string) => (identity.mode === 'direct' ? { openid } : identity.subAppid ? { sub_openid: openid } : { sp_openid: openid });
  const payerKind = identity.mode === 'direct' ? 'openid' : identity.subAppid ? 'sub_openid' : 'sp_openid';
  const notFoundIsUndefined = async <T>(op: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await op();
    } catch (err) {
      if (isOrderNotExist(err) || isWechatPayError(err, ['RESOURCE_NOT_EXISTS', 'REFUND_NOT_EXIST'])) return undefined;
      throw err;
    }
  };
  return {
    client,
    identity,
    async prepay(i) {
      const { prepay_id } = await client.jsapiOrder({
        description: i.description,
        out_trade_no: i.outTradeNo,
        notify_url: notifyUrl(config, 'transactions'),
        merchant_category_code: config.MERCHANT_CATEGORY_CODE,
        amount: { total: i.total, currency: i.currency },
        payer: payer(i.openid),
        time_expire: rfc3339(i.timeExpire),
      });
      return { prepayId: prepay_id };
    },
    paymentParams: (prepayId) => client.requestPaymentParams({ prepayId, payer: payerKind }),
    queryByOutTradeNo: (outTradeNo) => notFoundIsUndefined(() => client.queryOrderByOutTradeNo(outTradeNo)),
    async close(outTradeNo) {
      try {
        await client.closeOrder({ out_trade_no: outTradeNo });
        return 'closed';
      } catch (err) {
        if (isWechatPayError(err, 'ORDERPAID')) return 'paid';
        throw err;
      }
    },
    micropay: (i) =>
      client.micropayPay({
        description: i.description,
        out_trade_no: i.outTradeNo,
        merchant_category_code: config.MERCHANT_CATEGORY_CODE,
        amount: { total: i.total, currency: i.currency },
        payer: { auth_code: i.authCode },
      }),
    reverse: (outTradeNo) => client.micropayReverse({ out_trade_no: outTradeNo }),
    refund: (req) => client.refund({ ...req, notify_url: notifyUrl(config, 'refunds') }),
    queryRefund: (outRefundNo) => notFoundIsUndefined(() => client.queryRefundByOutRefundNo(outRefundNo)),
    listRefunds: (req) => client.listRefunds(req),
    statement: (date) => client.downloadStatement({ date }),
    settlements: (q) => client.querySettlements(q),
    parseNotification: (headers, raw) => client.parseNotification(headers, raw),
    async ready() {
      if (verifyWith !== 'certificates') return true; // the public key is configured, so always at hand
      const certs = client.certificates?.list() ?? [];
      const now = Date.now();
      return certs.some((c) => c.notBefore.getTime() <= now && c.notAfter.getTime() > now + 3600_000);
    },
  };
}

/** RFC 3339 in GMT+8, second precision, as WeChat writes times: 2026-01-02T15:04:05+08:00. */
export function rfc3339(d: Date): string {
  const t = new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19);
  return `${t}+08:00`;
}
