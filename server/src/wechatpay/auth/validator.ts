// Checks a signed WeChat Pay message (a 2xx response or a notification), cheapest check first:
// headers present -> probe marker -> timestamp window -> key for the serial -> RSA signature over raw bytes.
import { AUTH_SCHEME } from '../crypto/authorization';
import { buildResponseMessage } from '../crypto/message';
import { verifySha256Rsa } from '../crypto/rsa';
import { headerValue, type HeaderSource } from '../http/headers';
import type { PublicKeyResolver } from './key-resolver';

export const MAX_CLOCK_SKEW_SECONDS = 300;
export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

export type SignatureRejection =
  | 'missing_headers'
  | 'signtest_probe'
  | 'bad_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'unsupported_algorithm'
  | 'unknown_serial'
  | 'bad_signature';

export type ValidationResult =
  | { ok: true; serial: string; timestamp: number; nonce: string }
  | { ok: false; reason: SignatureRejection; message: string; serial?: string };

export interface SignedHeaders {
  timestamp: string | undefined;
  nonce: string | undefined;
  signature: string | undefined;
  serial: string | undefined;
  signatureType: string | undefined;
}

export function readSignedHeaders(headers: HeaderSource): SignedHeaders {
  return {
    timestamp: headerValue(headers, 'Wechatpay-Timestamp'),
    nonce: headerValue(headers, 'Wechatpay-Nonce'),
    signature: headerValue(headers, 'Wechatpay-Signature'),
    serial: headerValue(headers, 'Wechatpay-Serial'),
    signatureType: headerValue(headers, 'Wechatpay-Signature-Type'),
  };
}

export interface ValidateOptions {
  resolver: PublicKeyResolver;
  nowMs?: number;
  maxSkewSeconds?: number;
}

/**
 * `signedBody` is the raw body as received (for statements: `{"sha1":"..."}`). A resolver error (for example a
 * failed certificate download) is thrown, not reported as a rejection: it is our failure, not a forgery.
 */
export async function validateSignedMessage(h: SignedHeaders, signedBody: string, opts: ValidateOptions): Promise<ValidationResult> {
  const { timestamp, nonce, signature, serial } = h;
  if (!timestamp || !nonce || !signature || !serial) {
    const missing = (['timestamp', 'nonce', 'signature', 'serial'] as const)
      .filter((k) => !h[k])
      .map((k) => `Wechatpay-${k[0]!.toUpperCase()}${k.slice(1)}`);
    return { ok: false, reason: 'missing_headers', message: `unsigned message: missing ${missing.join(', ')}` };
  }
  if (h.signatureType !== undefined && h.signatureType !== AUTH_SCHEME) {
    return { ok: false, reason: 'unsupported_algorithm', message: `unsupported Wechatpay-Signature-Type ${h.signatureType}`, serial };
  }
  if (signature.startsWith(SIGNTEST_PREFIX)) {
    return { ok: false, reason: 'signtest_probe', message: 'WECHATPAY/SIGNTEST/ probe signature: never trusted', serial };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'bad_timestamp', message: 'Wechatpay-Timestamp is not unix seconds', serial };
  }
  const ts = Number(timestamp);
  const now = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const skew = opts.maxSkewSeconds ?? MAX_CLOCK_SKEW_SECONDS;
  if (now - ts > skew) {
    return { ok: false, reason: 'stale_timestamp', message: `Wechatpay-Timestamp is ${now - ts}s old (limit ${skew}s)`, serial };
  }
  if (ts - now > skew) {
    return { ok: false, reason: 'future_timestamp', message: `Wechatpay-Timestamp is ${ts - now}s in the future (limit ${skew}s)`, serial };
  }
  const key = await opts.resolver.resolve(serial);
  if (!key) {
    return { ok: false, reason: 'unknown_serial', message: `no trusted platform certificate or public key for serial ${serial}`, serial };
  }
  if (!verifySha256Rsa(key, buildResponseMessage(timestamp, nonce, signedBody), signature)) {
    return { ok: false, reason: 'bad_signature', message: `signature does not verify with the key for serial ${serial}`, serial };
  }
  return { ok: true, serial, timestamp: ts, nonce };
}
