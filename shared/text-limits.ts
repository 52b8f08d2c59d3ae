// Every free-text field's limit, in the unit that counts for it, checked by one rule. The HTTP edge (zod
// schemas), the domain (descriptions it builds) and the database models all read this table, so a text
// that passes the edge always fits the model and WeChat Pay.
//
// Units. WeChat Pay's APIv3 strings (`description` string[1,127], refund `reason` string[1,80]) are sent as
// UTF-8 and counted by WeChat in bytes: a CJK character takes 3 of them, an emoji 4. Counting UTF-8 bytes is
// also the strictest reading (bytes >= code points >= characters), so a text that fits in bytes fits whatever
// WeChat counts. Our own fields (staff username and password) count Unicode code points, so an emoji is one.
// Unpaired UTF-16 surrogates cannot be encoded as UTF-8 at all and are refused everywhere. Fields marked
// `singleLine` (names and ids a till prints or WeChat Pay files) also refuse control characters and line breaks.
// Plain functions and objects only: this file is read by the Mini Program too.

export type TextUnit = 'utf8-bytes' | 'code-points';

export interface TextLimit {
  min: number;
  max: number;
  unit: TextUnit;
  /** One line of printable text: control characters (line breaks, tabs, C1) are refused. */
  singleLine?: boolean;
}

export const TEXT_LIMITS = {
  /** WeChat Pay `description` of a Mini Program order (built from product names by the backend). */
  orderDescription: { min: 1, max: 127, unit: 'utf8-bytes' },
  /** WeChat Pay `description` of a Quick Pay (POS) charge, typed by staff. */
  posDescription: { min: 1, max: 127, unit: 'utf8-bytes' },
  /** WeChat Pay refund `reason` (shown to the payer in the refund message). */
  refundReason: { min: 1, max: 80, unit: 'utf8-bytes' },
  // A Quick Pay till's scene_info, as WeChat Pay's field tables give them (string[1,n]; server/src/wechatpay/limits.ts
  // has the same numbers for the client and the sandbox): store_info.id [1,32], store_info.name [1,256],
  // store_info.address [1,512], device_id [1,32].
  storeId: { min: 1, max: 32, unit: 'utf8-bytes', singleLine: true },
  storeName: { min: 1, max: 256, unit: 'utf8-bytes', singleLine: true },
  storeAddress: { min: 1, max: 512, unit: 'utf8-bytes', singleLine: true },
  deviceId: { min: 1, max: 32, unit: 'utf8-bytes', singleLine: true },
  /** Our own name for a till, shown to staff only. */
  tillLabel: { min: 1, max: 40, unit: 'code-points', singleLine: true },
  /** detail.goods_detail[].goods_name of an item typed at the till (string[1,256]). */
  goodsName: { min: 1, max: 256, unit: 'utf8-bytes', singleLine: true },
  staffUsername: { min: 1, max: 64, unit: 'code-points' },
  staffPassword: { min: 1, max: 256, unit: 'code-points' },
} as const satisfies Record<string, TextLimit>;

export type TextField = keyof typeof TEXT_LIMITS;

// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `s` has no unpaired surrogate (it can be encoded as UTF-8). */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** The length of `s` in `unit`. */
export function textLength(s: string, unit: TextUnit): number {
  if (unit === 'utf8-bytes') return utf8Length(s);
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Why `s` does not fit `field`, or undefined when it does. */
export function textProblem(s: string, field: TextField): string | undefined {
  const limit: TextLimit = TEXT_LIMITS[field];
  if (!isWellFormedText(s)) return 'must be valid Unicode text (no unpaired surrogates)';
  if (limit.singleLine && CONTROL.test(s)) return 'must be one line of text (no control characters or line breaks)';
  const len = textLength(s, limit.unit);
  const unit = limit.unit === 'utf8-bytes' ? 'bytes of UTF-8' : 'characters';
  if (len < limit.min) return `must be at least ${limit.min} ${unit}`;
  if (len > limit.max) return `must be at most ${limit.max} ${unit}`;
  return undefined;
}

export function fitsText(s: string, field: TextField): boolean {
  return textProblem(s, field) === undefined;
}

/** `s` cut at a code point boundary so that it (with `ellipsis` when cut) fits `field`. */
export function truncateText(s: string, field: TextField, ellipsis = '...'): string {
  const limit: TextLimit = TEXT_LIMITS[field];
  const clean = s.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
  if (textLength(clean, limit.unit) <= limit.max) return clean;
  const room = limit.max - textLength(ellipsis, limit.unit);
  let out = '';
  let used = 0;
  for (const ch of clean) {
    const w = textLength(ch, limit.unit);
    if (used + w > room) break;
    out += ch;
    used += w;
  }
  return out + ellipsis;
}
