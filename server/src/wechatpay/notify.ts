// Notifications from WeChat Pay: verified over the raw body, then decrypted. A rejection (forged, probe, stale,
// tampered...) comes back as `{ok:false}` so the receiver answers 4xx; an exception means our own failure (for
// example the certificate download failed) and deserves a 5xx so WeChat Pay retries later.
import type { PublicKeyResolver } from './auth/key-resolver';
import { readSignedHeaders, validateSignedMessage, type SignatureRejection } from './auth/validator';
import { decryptAesGcm } from './crypto/aes-gcm';
import type { HeaderSource } from './http/headers';
import { normalizeRefundNotification, normalizeTransaction } from './normalize';
import type { EventType, RefundNotification, Transaction } from './types';

export interface NotificationEnvelope {
  id: string;
  create_time: string;
  event_type: string;
  resource_type: string;
  summary?: string;
  resource: { original_type?: string; algorithm: string; ciphertext: string; associated_data?: string; nonce: string };
}

interface EventBase {
  /** Notification id: de-duplicate on it. */
  id: string;
  create_time: string;
  /** create_time as a Date (both RFC 3339 and yyyyMMddHHmmss, read as GMT+8, are understood). */
  created_at: Date | undefined;
  summary?: string;
  envelope: NotificationEnvelope;
  serial: string;
}

export type NotificationEvent =
  | (EventBase & { event_type: 'TRANSACTION.SUCCESS'; resource: Transaction })
  | (EventBase & { event_type: 'REFUND.SUCCESS' | 'REFUND.CLOSED' | 'REFUND.ABNORMAL'; resource: RefundNotification })
  | (EventBase & { event_type: string; resource: Record<string, unknown>; unknown: true });

export type NotificationRejection =
  SignatureRejection | 'malformed_body' | 'unsupported_algorithm' | 'decrypt_failed' | 'malformed_resource';

export type NotificationResult =
  { ok: true; event: NotificationEvent } | { ok: false; reason: NotificationRejection; message: string; requestId?: string };

export interface NotificationParserOptions {
  apiV3Key: string | Buffer;
  resolver: PublicKeyResolver;
  now?: () => number;
  maxSkewSeconds?: number;
}

/** 2018-06-08T10:34:56+08:00, or 20180225112233 (GMT+8) as one seed example writes it. */
export function parseWechatTime(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const compact = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  const d = compact ? new Date(`${compact[1]}-${compact[2]}-${compact[3]}T${compact[4]}:${compact[5]}:${compact[6]}+08:00`) : new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export class NotificationParser {
  constructor(private readonly opts: NotificationParserOptions) {}

  async parse(headers: HeaderSource, rawBody: string | Buffer): Promise<NotificationResult> {
    if (typeof rawBody !== 'string' && !Buffer.isBuffer(rawBody)) {
      return { ok: false, reason: 'malformed_body', message: 'pass the raw request body (string or Buffer), not parsed JSON' };
    }
    const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
    const signed = readSignedHeaders(headers);
    const verdict = await validateSignedMessage(signed, body, {
      resolver: this.opts.resolver,
      nowMs: (this.opts.now ?? Date.now)(),
      maxSkewSeconds: this.opts.maxSkewSeconds,
    });
    if (!verdict.ok) return { ok: false, reason: verdict.reason, message: verdict.message };

    let envelope: NotificationEnvelope;
    try {
      envelope = JSON.parse(body) as NotificationEnvelope;
    } catch {
      return { ok: false, reason: 'malformed_body', message: 'notification body is not JSON' };
    }
    const r = envelope?.resource;
    if (
      !r ||
      typeof r !== 'object' ||
      typeof envelope.event_type !== 'string' ||
      typeof r.ciphertext !== 'string' ||
      typeof r.nonce !== 'string'
    ) {
      return { ok: false, reason: 'malformed_body', message: 'notification has no event_type or resource' };
    }
    if (r.algorithm !== 'AEAD_AES_256_GCM') {
      return { ok: false, reason: 'unsupported_algorithm', message: `unsupported resource.algorithm ${String(r.algorithm)}` };
    }
    let plaintext: string;
    try {
      plaintext = decryptAesGcm(this.opts.apiV3Key, r.nonce, r.associated_data ?? '', r.ciphertext);
    } catch (e) {
      return { ok: false, reason: 'decrypt_failed', message: (e as Error).message };
    }
    let resource: Record<string, unknown>;
    try {
      resource = JSON.parse(plaintext) as Record<string, unknown>;
      if (!resource || typeof resource !== 'object') throw new Error('not an object');
    } catch {
      return { ok: false, reason: 'malformed_resource', message: 'decrypted resource is not a JSON object' };
    }
    const base: EventBase = {
      id: envelope.id,
      create_time: envelope.create_time,
      created_at: parseWechatTime(envelope.create_time),
      summary: envelope.summary,
      envelope,
      serial: verdict.serial,
    };
    const type = envelope.event_type as EventType;
    if (type === 'TRANSACTION.SUCCESS') {
      const tx = normalizeTransaction(resource);
      if (!tx.id || !tx.out_trade_no)
        return { ok: false, reason: 'malformed_resource', message: 'transaction resource lacks id or out_trade_no' };
      return { ok: true, event: { ...base, event_type: type, resource: tx } };
    }
    if (type === 'REFUND.SUCCESS' || type === 'REFUND.CLOSED' || type === 'REFUND.ABNORMAL') {
      const refund = normalizeRefundNotification(resource);
      if (!refund.out_refund_no || !refund.normalized_status) {
        return { ok: false, reason: 'malformed_resource', message: 'refund resource lacks out_refund_no or a known refund_status' };
      }
      return { ok: true, event: { ...base, event_type: type, resource: refund } };
    }
    return { ok: true, event: { ...base, event_type: envelope.event_type, resource, unknown: true } };
  }
}
