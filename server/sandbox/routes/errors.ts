// The error answers of WeChat Pay Global: `{code, message, detail?}`, the HTTP status of the official table,
// the message in the caller's Accept-Language (Chinese by default), and the numeric code appended to Request-ID.
import type { z } from 'zod';

export interface Text {
  zh: string;
  en: string;
}

export interface ErrorDetail {
  field?: string;
  value?: unknown;
  issue?: string;
  location?: string;
  [k: string]: unknown;
}

export class WxError extends Error {
  override name = 'WxError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly text: Text,
    readonly detail?: ErrorDetail,
    /** Numeric code appended to Request-ID (`{id}-{code}`), as the real service does. */
    readonly ridCode?: number,
  ) {
    super(`${code}: ${text.en}`);
  }

  body(lang: 'zh' | 'en'): { code: string; message: string; detail?: ErrorDetail } {
    return { code: this.code, message: this.text[lang], ...(this.detail ? { detail: this.detail } : {}) };
  }
}

export function language(acceptLanguage: string | undefined): 'zh' | 'en' {
  return /^\s*en/i.test(acceptLanguage ?? '') ? 'en' : 'zh';
}

const t = (zh: string, en: string): Text => ({ zh, en });

export const SIGN_MESSAGES = {
  format: t('Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》', 'The HTTP header Authorization value is malformed'),
  scheme: t('Http头Authorization认证类型不正确', 'The HTTP header Authorization type is incorrect'),
  noApiV3Key: t('商户未设置APIv3密钥', 'The merchant has not set an APIv3 key'),
  serial: t('商户证书序列号有误。请使用签名私钥匹配的证书序列号', 'The merchant certificate serial number is incorrect'),
  signature: t('错误的签名，导致验签失败', 'Incorrect signature, signature verification failed'),
  timestamp: t('timestamp 与发起时间相差超过 5 分钟', 'timestamp differs from the request time by more than 5 minutes'),
  mchid: t('商户号不存在', 'The merchant ID does not exist'),
};

export const RID = {
  orderNotExist: 268512771,
  signature: 270283348,
  subMchidMissing: 268443704,
  noRelation: 268443701,
  mainland: 268501838,
  subMchidMismatch: 268447845,
  reverseExpired: 268449386,
  notEnough: 88430113,
};

export const errors = {
  sign: (which: keyof typeof SIGN_MESSAGES, detail?: ErrorDetail) =>
    new WxError(401, 'SIGN_ERROR', SIGN_MESSAGES[which], detail, RID.signature),
  param: (field: string, value: unknown, issue: string, location = 'body', text?: Text) =>
    new WxError(
      400,
      'PARAM_ERROR',
      text ??
        t(
          `输入源“/${location}${field.replace(/^#\/properties/, '').replace(/\/properties/g, '')}”校验失败：${issue}`,
          `Invalid "${location}" parameter ${field}: ${issue}`,
        ),
      { field, value, issue, location },
    ),
  paramText: (zh: string, en: string) => new WxError(400, 'PARAM_ERROR', t(zh, en)),
  headers: () => new WxError(400, 'PARAM_ERROR', t('Http头缺少Accept或User-Agent', 'The HTTP header Accept or User-Agent is missing')),
  invalidRequest: (zh: string, en: string, ridCode?: number) => new WxError(400, 'INVALID_REQUEST', t(zh, en), undefined, ridCode),
  mainland: () =>
    new WxError(400, 'INVALID_REQUEST', t('暂不支持境外支付', 'Overseas payment is not supported on this path'), undefined, RID.mainland),
  appidMismatch: (zh: string, en: string) => new WxError(400, 'APPID_MCHID_NOT_MATCH', t(zh, en)),
  noAuth: (zh: string, en: string, ridCode?: number) => new WxError(403, 'NO_AUTH', t(zh, en), undefined, ridCode),
  orderPaid: () => new WxError(403, 'ORDERPAID', t('订单已支付', 'The order has been paid')),
  orderClosed: () => new WxError(400, 'ORDER_CLOSED', t('订单已关闭', 'The order has been closed')),
  outTradeNoUsed: () => new WxError(403, 'OUT_TRADE_NO_USED', t('商户订单号重复', 'out_trade_no has been used with different parameters')),
  outRefundNoUsed: () =>
    new WxError(403, 'OUT_REFUND_NO_USED', t('商户退款单号重复', 'out_refund_no has been used with different parameters')),
  notEnough: () =>
    new WxError(
      403,
      'NOT_ENOUGH',
      t('基本账户余额不足，请充值后重新发起', 'Insufficient balance in the refund pool'),
      undefined,
      RID.notEnough,
    ),
  ruleLimit: (zh: string, en: string, ridCode?: number) => new WxError(403, 'RULE_LIMIT', t(zh, en), undefined, ridCode),
  tradeError: (zh: string, en: string) => new WxError(403, 'TRADE_ERROR', t(zh, en)),
  orderNotExist: () => new WxError(404, 'ORDER_NOT_EXIST', t('订单不存在', 'The order does not exist'), undefined, RID.orderNotExist),
  refundNotExist: () => new WxError(404, 'RESOURCE_NOT_EXISTS', t('退款单不存在', 'The refund does not exist')),
  /** A merchant in public key mode has no platform certificate (what the mainland service answers; SDK reports). */
  noPlatformCertificate: () =>
    new WxError(
      404,
      'RESOURCE_NOT_EXISTS',
      t(
        '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。可查看指引https://pay.weixin.qq.com/doc/v3/merchant/4012153196',
        'No platform certificate is available: this merchant uses a WeChat Pay public key (merchant platform, API security)',
      ),
    ),
  notFound: () => new WxError(404, 'NOT_FOUND', t('请求的资源不存在', 'The requested resource does not exist')),
  noStatement: () => new WxError(400, 'NO_STATEMENT_EXIST', t('账单不存在', 'The statement does not exist')),
  frequency: () => new WxError(429, 'FREQUENCY_LIMITED', t('请求频率过高，请稍后重试', 'Too many requests, try again later')),
  system: () => new WxError(500, 'SYSTEM_ERROR', t('系统错误，请稍后再试', 'System error, try again later')),
  unavailable: () => new WxError(503, 'SERVICE_UNAVAILABLE', t('服务不可用，请稍后重试', 'Service unavailable, try again later')),
  userPaying: (status: number) => new WxError(status, 'USERPAYING', t('需要用户输入支付密码', 'The user is entering the payment password')),
};

/** A JSON-schema style pointer, as WeChat Pay's `detail.field`: `#/properties/amount/properties/total`. */
export function fieldPointer(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '#';
  return '#' + path.map((p) => (typeof p === 'number' ? `/items/${p}` : `/properties/${String(p)}`)).join('');
}

/** Parses `data` with `schema`; the first problem becomes 400 PARAM_ERROR with WeChat Pay's detail shape. */
export function validate<S extends z.ZodType>(schema: S, data: unknown, location: 'body' | 'query' | 'path' = 'body'): z.infer<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let value: unknown = data;
  for (const k of issue.path)
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined;
  const missing = value === undefined;
  const field = fieldPointer(issue.path);
  const name = String(issue.path[issue.path.length - 1] ?? '');
  const text = missing
    ? t(`输入源“/${location}/${issue.path.join('/')}”映射到值字段“${name}”必填性规则校验失败，此字段为必填项`, `${field} is required`)
    : t(`输入源“/${location}/${issue.path.join('/')}”映射到值字段“${name}”规则校验失败，${issue.message}`, `${field}: ${issue.message}`);
  throw new WxError(400, 'PARAM_ERROR', text, {
    field,
    value: missing ? undefined : value,
    issue: missing ? 'required' : issue.message,
    location,
  });
}
