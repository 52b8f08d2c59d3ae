// Authentication of an inbound APIv3 request, cheapest checks first, as the real service answers them:
// header format, merchant, APIv3 key set, certificate serial, the 300 s window (never time-scaled), then the
// SHA256withRSA signature over the raw request target and the raw body bytes.
import { buildRequestMessage, parseAuthorization, verifySha256Rsa } from '../../src/wechatpay/crypto';
import type { Merchant } from '../config';
import { errors } from '../routes/errors';

export const SIGNATURE_WINDOW_SECONDS = 300;

export interface InboundRequest {
  method: string;
  /** The raw request target (path + '?' + query) exactly as received. */
  target: string;
  rawBody: string;
  authorization: string | undefined;
}

/** The first part of the signed message, as the real service echoes it in `detail.sign_information`. */
function truncated(message: string): string {
  return message.length > 64 ? `${message.slice(0, 64)}` : message;
}

export function verifyRequest(req: InboundRequest, merchants: Map<string, Merchant>, nowMs: number): Merchant {
  const auth = parseAuthorization(req.authorization);
  if (!auth.ok) {
    throw errors.sign(auth.reason === 'scheme' ? 'scheme' : 'format', { field: 'Authorization', location: 'header', issue: auth.message });
  }
  const merchant = merchants.get(auth.mchid);
  if (!merchant) throw errors.sign('mchid', { field: 'mchid', value: auth.mchid, location: 'authorization' });
  if (!merchant.apiV3Key) throw errors.sign('noApiV3Key');
  if (auth.serial.toUpperCase() !== merchant.serial) {
    throw errors.sign('serial', { field: 'serial_no', value: auth.serial, location: 'authorization' });
  }
  if (Math.abs(Math.floor(nowMs / 1000) - Number(auth.timestamp)) > SIGNATURE_WINDOW_SECONDS) {
    throw errors.sign('timestamp', { field: 'timestamp', value: auth.timestamp, location: 'authorization' });
  }
  const message = buildRequestMessage(req.method, req.target, auth.timestamp, auth.nonce, req.rawBody);
  if (!verifySha256Rsa(merchant.publicKey, message, auth.signature)) {
    const path = req.target.split('?')[0];
    throw errors.sign('signature', {
      field: 'signature',
      location: 'authorization',
      detail: { issue: 'sign not match' },
      sign_information: {
        method: req.method,
        url: path,
        sign_message_length: Buffer.byteLength(message),
        truncated_sign_message: truncated(message),
      },
    });
  }
  return merchant;
}
