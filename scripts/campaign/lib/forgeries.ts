// Forged payment notifications: each kind changes exactly one thing in an otherwise genuine delivery, so a
// receiver that accepts any of them is missing that one check. Every kind targets an order that is NOT paid
// at WeChat, so an accepted forgery is visible as a state change.
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { buildNotification, randomSerial, signDelivery, type Delivery, type PlatformSigner } from './notifications';

export interface ForgeryInput {
  signer: PlatformSigner;
  apiV3Key: string;
  /** The plaintext WeChat would send if the target order were paid (out_trade_no, amount, mchid...). */
  targetTransaction: Record<string, unknown>;
  /** A genuine, already delivered transaction of ANOTHER (paid) order, and its delivery as sent. */
  paidTransaction: Record<string, unknown>;
  paidDelivery: Delivery;
  paidEventId: string;
  otherMerchant: { mchid: string; appid: string };
  stranger: KeyObject;
}

export interface Forgery {
  kind: string;
  delivery: Delivery;
}

function withAmount(tx: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  return { ...tx, amount: { ...(tx.amount as Record<string, unknown>), ...patch } };
}

function flipBase64Char(b64: string, at: number): string {
  const i = Math.max(0, Math.min(b64.length - 3, at));
  const c = b64[i] === 'A' ? 'B' : 'A';
  return b64.slice(0, i) + c + b64.slice(i + 1);
}

/** The builders, by kind. Each call builds a fresh delivery (fresh nonce, timestamp and event id). */
export function forgeryBuilders(f: ForgeryInput): Record<string, () => Delivery> {
  const base = { signer: f.signer, apiV3Key: f.apiV3Key, eventType: 'TRANSACTION.SUCCESS' };
  const tx = f.targetTransaction;
  const now = Math.floor(Date.now() / 1000);
  const amount = tx.amount as { total: number; currency: string };
  const otherCurrency = amount.currency === 'USD' ? 'HKD' : 'USD';
  return {
    'bad-signature': () => buildNotification({ ...base, resource: tx, signature: () => randomBytes(256).toString('base64') }),
    'another-key': () => buildNotification({ ...base, resource: tx, signer: { privateKey: f.stranger, serial: f.signer.serial } }),
    'stale-timestamp': () => buildNotification({ ...base, resource: tx, timestamp: now - 600 }),
    'future-timestamp': () => buildNotification({ ...base, resource: tx, timestamp: now + 600 }),
    'unknown-serial': () => buildNotification({ ...base, resource: tx, signer: { privateKey: f.stranger, serial: randomSerial() } }),
    'unknown-serial-genuine-key': () => buildNotification({ ...base, resource: tx, serial: randomSerial() }),
    signtest: () =>
      buildNotification({ ...base, resource: tx, signature: () => `WECHATPAY/SIGNTEST/${randomBytes(192).toString('base64')}` }),
    'body-changed-after-signing': () => {
      const d = buildNotification({ ...base, resource: tx });
      return { headers: d.headers, body: d.body.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCESS" ') };
    },
    'tampered-ciphertext': () => buildNotification({ ...base, resource: tx, tamperCiphertext: (c) => flipBase64Char(c, 10) }),
    'tampered-tag': () => buildNotification({ ...base, resource: tx, tamperCiphertext: (c) => flipBase64Char(c, c.length - 6) }),
    'wrong-associated-data': () =>
      buildNotification({ ...base, resource: tx, associatedData: 'transaction', envelopeAssociatedData: 'certificate' }),
    'wrong-apiv3-key': () => buildNotification({ ...base, resource: tx, apiV3Key: randomBytes(16).toString('hex') }),
    'wrong-algorithm': () => buildNotification({ ...base, resource: tx, algorithm: 'AEAD_AES_128_GCM' }),
    'no-algorithm': () => buildNotification({ ...base, resource: tx, algorithm: 'none' }),
    'amount-changed': () =>
      buildNotification({
        ...base,
        resource: withAmount(tx, { total: Math.max(1, amount.total - 1), payer_total: Math.max(1, amount.total - 1) }),
      }),
    'currency-changed': () => buildNotification({ ...base, resource: withAmount(tx, { currency: otherCurrency }) }),
    'another-merchant': () =>
      buildNotification({
        ...base,
        resource: { ...tx, mchid: f.otherMerchant.mchid, sp_mchid: f.otherMerchant.mchid, appid: f.otherMerchant.appid },
      }),
    'another-appid': () =>
      buildNotification({ ...base, resource: { ...tx, appid: f.otherMerchant.appid, sp_appid: f.otherMerchant.appid } }),
    'trade-state-not-success': () => buildNotification({ ...base, resource: { ...tx, trade_state: 'NOTPAY' } }),
    'replay-other-order-same-event': () =>
      buildNotification({
        ...base,
        eventId: f.paidEventId,
        resource: { ...f.paidTransaction, out_trade_no: tx.out_trade_no, amount: tx.amount },
      }),
    'replay-other-order-new-event': () =>
      buildNotification({
        ...base,
        eventId: randomUUID(),
        resource: { ...f.paidTransaction, out_trade_no: tx.out_trade_no, amount: tx.amount },
      }),
    // Captured on the wire and sent again unchanged: no keys needed. Must have no second effect.
    'verbatim-replay': () => f.paidDelivery,
    // A captured body of the paid order, re-signed by a stranger under the platform serial.
    'replayed-body-resigned': () => signDelivery({ privateKey: f.stranger, serial: f.signer.serial }, f.paidDelivery.body),
    'missing-signature-headers': () => {
      const d = buildNotification({ ...base, resource: tx });
      const { ['wechatpay-signature']: _s, ['wechatpay-serial']: _r, ...rest } = d.headers;
      return { headers: rest, body: d.body };
    },
  };
}

export function buildForgeries(f: ForgeryInput): Forgery[] {
  return Object.entries(forgeryBuilders(f)).map(([kind, build]) => ({ kind, delivery: build() }));
}
