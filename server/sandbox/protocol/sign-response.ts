// Signs a 2xx answer or a notification with the given key (a platform certificate's or the merchant's public key's). Faults may replace the signature
// with a WECHATPAY/SIGNTEST/ probe, one that does not verify, or an out-of-window timestamp.
import { randomBytes } from 'node:crypto';
import { buildResponseMessage, randomNonce, signSha256Rsa } from '../../src/wechatpay/crypto';
import type { Signer } from '../keys/signing';

export interface SignatureFaults {
  signtest?: boolean;
  badSignature?: boolean;
  staleTimestamp?: boolean;
}

export interface SignedHeaders {
  'Wechatpay-Timestamp': string;
  'Wechatpay-Nonce': string;
  'Wechatpay-Serial': string;
  'Wechatpay-Signature': string;
}

export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

/** Headers signing `signedBody` (the raw body, or `{"sha1":"..."}` for statements, or '' for 204). */
export async function signatureHeaders(
  cert: Signer,
  signedBody: string,
  nowMs: number,
  faults: SignatureFaults = {},
): Promise<SignedHeaders> {
  const ts = Math.floor(nowMs / 1000) - (faults.staleTimestamp ? 600 : 0);
  const nonce = randomNonce(32);
  let signature: string;
  if (faults.signtest) {
    signature = SIGNTEST_PREFIX + randomBytes(192).toString('base64');
  } else {
    signature = await signSha256Rsa(cert.privateKey, buildResponseMessage(ts, nonce, signedBody));
    if (faults.badSignature) signature = await signSha256Rsa(cert.privateKey, buildResponseMessage(ts, nonce, signedBody + ' '));
  }
  return {
    'Wechatpay-Timestamp': String(ts),
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': cert.serial,
    'Wechatpay-Signature': signature,
  };
}
