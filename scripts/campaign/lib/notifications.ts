// Builds WeChat Pay notifications exactly as the platform sends them — AES-256-GCM resource, envelope signed
// with SHA256withRSA over `timestamp\nnonce\nbody\n` — using the project's own crypto primitives. Genuine
// deliveries use the sandbox's platform key and the merchant's APIv3 key; forgeries change one thing each.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { buildResponseMessage, encryptAesGcm, randomNonce, signSha256RsaSync } from '../../../server/src/wechatpay/crypto';

export interface PlatformSigner {
  privateKey: KeyObject;
  serial: string;
}

export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

export interface NotificationSpec {
  signer: PlatformSigner;
  apiV3Key: string;
  eventType: string;
  resource: Record<string, unknown>;
  eventId?: string;
  /** Unix seconds; now by default. */
  timestamp?: number;
  associatedData?: string;
  /** AAD written in the envelope when it must differ from the one used to encrypt. */
  envelopeAssociatedData?: string;
  algorithm?: string;
  resourceNonce?: string;
  originalType?: string;
  /** Applied to the ciphertext after encryption, before signing. */
  tamperCiphertext?: (ciphertext: string) => string;
  /** Replaces the signature after signing. */
  signature?: (genuine: string, message: string) => string;
  serial?: string;
}

export function buildNotification(spec: NotificationSpec): Delivery {
  const aad = spec.associatedData ?? (spec.eventType.startsWith('REFUND.') ? 'refund' : 'transaction');
  const resourceNonce = spec.resourceNonce ?? randomNonce(12);
  let ciphertext = encryptAesGcm(spec.apiV3Key, resourceNonce, aad, JSON.stringify(spec.resource));
  if (spec.tamperCiphertext) ciphertext = spec.tamperCiphertext(ciphertext);
  const envelope = {
    id: spec.eventId ?? randomUUID(),
    create_time: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    resource_type: 'encrypt-resource',
    event_type: spec.eventType,
    summary: spec.eventType.startsWith('REFUND.') ? '退款成功' : '支付成功',
    resource: {
      original_type: spec.originalType ?? (spec.eventType.startsWith('REFUND.') ? 'refund' : 'transaction'),
      algorithm: spec.algorithm ?? 'AEAD_AES_256_GCM',
      ciphertext,
      associated_data: spec.envelopeAssociatedData ?? aad,
      nonce: resourceNonce,
    },
  };
  const body = JSON.stringify(envelope);
  return signDelivery(spec.signer, body, spec.timestamp, spec.signature, spec.serial);
}

/** Signs an already-built body (a replay with new headers, or a body changed after the fact). */
export function signDelivery(
  signer: PlatformSigner,
  body: string,
  timestamp?: number,
  override?: (genuine: string, message: string) => string,
  serial?: string,
): Delivery {
  const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = randomNonce(32);
  const message = buildResponseMessage(ts, nonce, body);
  const genuine = signSha256RsaSync(signer.privateKey, message);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'wechatpay-timestamp': ts,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': override ? override(genuine, message) : genuine,
      'wechatpay-serial': serial ?? signer.serial,
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      'request-id': randomUUID(),
    },
  };
}

/** A fresh RSA-2048 key nobody trusts (for "another key" and "unknown serial"). */
export function strangerKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

export function randomSerial(): string {
  return Array.from({ length: 40 }, () => '0123456789ABCDEF'[Math.floor(Math.random() * 16)]).join('');
}
