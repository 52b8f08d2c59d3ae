// Field limits of the official Global field tables, shared by the client and the sandbox so both refuse the
// same input. out_trade_no is string[1,32]; out_refund_no is string[1,64] on the official refund query page
// (the domestic APIv3 and the Global refund table agree), both of [0-9A-Za-z_-|*@].
export const OUT_TRADE_NO_MAX_LENGTH = 32;
export const OUT_REFUND_NO_MAX_LENGTH = 64;
export const MERCHANT_NO_PATTERN = /^[0-9A-Za-z_\-|*@]+$/;

/**
 * Order fields of the JSAPI / Quick Pay field tables (the sandbox checks the same): attach, detail
 * (receipt_id, goods_detail[].goods_id / wxpay_goods_id / goods_name) and scene_info (payer_client_ip,
 * device_ip, device_id, operator_id, store_info.id / name / address). string[1,n], counted as UTF-8 bytes (the
 * strictest reading of n: bytes >= characters).
 */
export const ATTACH_MAX_LENGTH = 127;
export const RECEIPT_ID_MAX_LENGTH = 32;
export const GOODS_ID_MAX_LENGTH = 32;
export const GOODS_NAME_MAX_LENGTH = 256;
export const CLIENT_IP_MAX_LENGTH = 45;
export const DEVICE_ID_MAX_LENGTH = 32;
export const OPERATOR_ID_MAX_LENGTH = 32;
export const STORE_ID_MAX_LENGTH = 32;
export const STORE_NAME_MAX_LENGTH = 256;
export const STORE_ADDRESS_MAX_LENGTH = 512;

/** The UTF-8 length of `s` (what the field tables' string[1,n] counts here). */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** `s` cut at a code point boundary to at most `max` bytes of UTF-8. */
export function cutToBytes(s: string, max: number): string {
  if (utf8Bytes(s) <= max) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const w = utf8Bytes(ch);
    if (used + w > max) break;
    out += ch;
    used += w;
  }
  return out;
}

/** Settlement query paging: `limit` at most 30 ("preferably no more than 10"); both optional in the table. */
export const SETTLEMENT_MAX_LIMIT = 30;
export const SETTLEMENT_DEFAULT_LIMIT = 10;
export const SETTLEMENT_DEFAULT_OFFSET = 0;
