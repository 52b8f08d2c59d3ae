// Request shapes of the official field tables. Identity fields are checked separately (identity.ts).
import { z } from 'zod';
import { isCurrency } from '../ledger/money';
import { parseRfc3339 } from '../clock';
import { MERCHANT_NO_PATTERN, OUT_REFUND_NO_MAX_LENGTH, OUT_TRADE_NO_MAX_LENGTH } from '../../src/wechatpay/limits';

const s = (min: number, max: number) => z.string().min(min).max(max);
const merchantNo = (max: number) =>
  z.string().min(1).max(max).regex(MERCHANT_NO_PATTERN, `must be 1-${max} characters of [0-9A-Za-z_-|*@]`);
const outNo = merchantNo(OUT_TRADE_NO_MAX_LENGTH);
// string[1,64] on the official refund pages, the same limit the client library checks.
export const outRefundNo = merchantNo(OUT_REFUND_NO_MAX_LENGTH);
const currency = z.string().refine(isCurrency, 'must be an ISO 4217 currency the service supports');
const rfc3339 = z.string().refine((v) => parseRfc3339(v) !== undefined, 'must be an RFC 3339 time such as 2018-06-08T10:34:56+08:00');

/** https only, no query string; the sandbox also accepts http on loopback so a local backend can receive. */
export const notifyUrl = s(1, 256).refine((v) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return false;
  }
  if (u.search || u.hash) return false;
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}, 'must be an https URL without a query string (http is accepted for 127.0.0.1 / localhost in the sandbox)');

const sceneInfo = z
  .object({
    payer_client_ip: s(1, 45).optional(),
    device_ip: s(1, 45).optional(),
    device_id: s(1, 32).optional(),
    operator_id: s(1, 32).optional(),
    store_info: z.object({ id: s(1, 32), name: s(1, 256).optional(), address: s(1, 512).optional() }).optional(),
  })
  .optional();

const common = {
  description: s(1, 127),
  attach: s(1, 127).optional(),
  out_trade_no: outNo,
  goods_tag: s(1, 32).optional(),
  limit_pay: s(1, 32).optional(),
  merchant_category_code: z.string().regex(/^\d{4}$/, 'must be a 4-digit MCC'),
  amount: z.object({ total: z.number().int().min(1).max(1e12), currency }),
  scene_info: sceneInfo,
  detail: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
};

export const jsapiDirect = z.object({
  ...common,
  notify_url: notifyUrl,
  trade_type: z.literal('JSAPI'),
  time_start: rfc3339.optional(),
  time_expire: rfc3339.optional(),
  payer: z.object({ openid: s(1, 128) }),
});

export const jsapiInstitution = z.object({
  ...common,
  notify_url: notifyUrl,
  trade_type: z.literal('JSAPI'),
  time_start: rfc3339.optional(),
  time_expire: rfc3339.optional(),
  sub_appid: s(1, 32).optional(),
  payer: z
    .object({ sp_openid: s(1, 128).optional(), sub_openid: s(1, 128).optional() })
    .refine((p) => Boolean(p.sp_openid) !== Boolean(p.sub_openid), 'give exactly one of sp_openid and sub_openid'),
});

const authCode = z.string().regex(/^1[0-5]\d{16}$/, 'must be the 18-digit payment code shown by WeChat (prefix 10-15)');

export const micropay = z.object({
  ...common,
  trade_type: z.literal('MICROPAY'),
  payer: z.object({ auth_code: authCode }),
});

export const refund = z
  .object({
    transaction_id: s(1, 32).optional(),
    out_trade_no: outNo.optional(),
    out_refund_no: outRefundNo,
    reason: s(1, 80).optional(),
    notify_url: notifyUrl.optional(),
    source: z.enum(['REFUND_SOURCE_UNSETTLED_FUNDS', 'REFUND_SOURCE_RECHARGE_FUNDS']).optional(),
    amount: z.object({ refund: z.number().int().min(1), total: z.number().int().min(1), currency }),
  })
  .refine((r) => Boolean(r.transaction_id) || Boolean(r.out_trade_no), {
    message: 'give transaction_id or out_trade_no',
    path: ['out_trade_no'],
  });

export const uint = (max: number) => z.coerce.number().int().min(0).max(max);
