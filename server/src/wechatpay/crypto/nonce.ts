import { randomBytesPooled } from './random-pool';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random `[0-9A-Za-z]` string (32 by default), unbiased: bytes >= 248 are redrawn. */
export function randomNonce(length = 32): string {
  if (!Number.isInteger(length) || length <= 0) throw new Error('nonce length must be a positive integer');
  let out = '';
  while (out.length < length) {
    for (const b of randomBytesPooled(length * 2)) {
      if (b < 248) out += ALPHABET[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}
