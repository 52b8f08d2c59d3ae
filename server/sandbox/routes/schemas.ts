// Request shapes of the official field tables. Identity fields are checked separately (identity.ts).
import { isIP } from 'node:net';
import { z } from 'zod';
import { isCurrency } from '../ledger/money';
import { parseRfc3339 } from '../clock';
import {
  ATTACH_MAX_LENGTH,
  CLIENT_IP_MAX_LENGTH,
  DEVICE_ID_MAX_LENGTH,
  GOODS_ID_MAX_LENGTH,
  GOODS_NAME_MAX_LENGTH,
  MERCHANT_NO_PATTERN,
  OPERATOR_ID_MAX_LENGTH,
  OUT_REFUND_NO_MAX_LENGTH,
  OUT_TRADE_NO_MAX_LENGTH,
  RECEIPT_ID_MAX_LENGTH,
  STORE_ADDRESS_MAX_LENGTH,
  STORE_ID_MAX_LENGTH,
  STORE_NAME_MAX_LENGTH,
  utf8Bytes,
} from '../../src/wechatpay/limits';

const s = (min: number, max: number) => z.string().min(min).max(max);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** string[min,max] counted in UTF-8 bytes (the strictest reading of the field tables); text that is not UTF-8 refused. */
const b = (min: number, max: number) =>
  z
    .string()
    .refine((v) => !LONE_SURROGATE.test(v), 'must be valid UTF-8 text')
    .refine((v) => utf8Bytes(v) >= min && utf8Bytes(v) <= max, `must be ${min}-${max} bytes of UTF-8`);
const ip = s(1, CLIENT_IP_MAX_LENGTH).refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address');
const int = (min: number) => z.number().int().min(min).max(1e12);
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

// scene_info as the seeds show it. store_info: the domestic field table requires `id`, the Global OpenAPI
// description `name` and `address`; both readings are accepted, an empty store_info neither.
const sceneInfo = z
  .object({
    payer_client_ip: ip.optional(),
    device_ip: ip.optional(),
    device_id: b(1, DEVICE_ID_MAX_LENGTH).optional(),
    operator_id: b(1, OPERATOR_ID_MAX_LENGTH).optional(),
    store_info: z
      .object({
        id: b(1, STORE_ID_MAX_LENGTH).optional(),
        name: b(1, STORE_NAME_MAX_LENGTH).optional(),
        address: b(1, STORE_ADDRESS_MAX_LENGTH).optional(),
      })
      .refine((si) => si.id !== undefined || (si.name !== undefined && si.address !== undefined), 'needs id, or name and address')
      .optional(),
  })
  .optional();

// detail as the seeds show it (an object); the OpenAPI description's array of the same objects is accepted too.
const goodsLine = z.object({
  goods_id: b(1, GOODS_ID_MAX_LENGTH),
  wxpay_goods_id: b(1, GOODS_ID_MAX_LENGTH).optional(),
  goods_name: b(1, GOODS_NAME_MAX_LENGTH).optional(),
  quantity: int(1),
  price: int(0),
});
const detailObject = z.object({
  cost_price: int(0).optional(),
  receipt_id: b(1, RECEIPT_ID_MAX_LENGTH).optional(),
  goods_detail: z.array(goodsLine).min(1).max(1000).optional(),
});
const detailArray = z.array(detailObject).max(1000);
// Not a z.union: its failure would name only `detail`, where the merchant needs the field inside it.
export const orderDetail = z
  .unknown()
  .transform((v, ctx) => {
    const r = (Array.isArray(v) ? detailArray : detailObject).safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  })
  .optional();

const common = {
  description: s(1, 127),
  attach: b(1, ATTACH_MAX_LENGTH).optional(),
  out_trade_no: outNo,
  goods_tag: s(1, 32).optional(),
  limit_pay: s(1, 32).optional(),
  merchant_category_code: z.string().regex(/^\d{4}$/, 'must be a 4-digit MCC'),
  amount: z.object({ total: z.number().int().min(1).max(1e12), currency }),
  scene_info: sceneInfo,
  detail: orderDetail,
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
