// What signs a merchant's answers and notifications: the platform certificate signing now, the merchant's WeChat
// Pay public key (`PUB_KEY_ID_...`), or, during the switch-over, either of them. WeChat Pay's guide for moving
// from platform certificates to the public key (mainland; no Global source says otherwise) has the service sign
// an answer with the public key when the request's `Wechatpay-Serial` names that key's id; without that hint the
// switch-over signs with either. The sandbox alternates then (per merchant, answers and notifications alike), so
// a client that trusts only one of the two keys fails within two messages instead of by chance.
import type { KeyObject } from 'node:crypto';
import type { Merchant } from '../config';
import type { PlatformKeyring } from './platform';

export interface Signer {
  /** Sent as `Wechatpay-Serial`: a certificate serial or a `PUB_KEY_ID_...`. */
  serial: string;
  privateKey: KeyObject;
}

export class MerchantSigning {
  private readonly turn = new Map<string, number>();

  constructor(
    private readonly keyring: PlatformKeyring,
    private readonly merchants: Map<string, Merchant>,
  ) {}

  /** The signer of an answer to `m`, given the `Wechatpay-Serial` its request carried (if any). */
  forAnswer(m: Merchant, requestSerial?: string): Signer {
    if ((m.signWith ?? 'certificate') === 'certificate' || !m.wechatpayPublicKey) return this.keyring.current();
    const pub: Signer = { serial: m.wechatpayPublicKey.id, privateKey: m.wechatpayPublicKey.privateKey };
    if (m.signWith === 'public_key') return pub;
    if (requestSerial && requestSerial === m.wechatpayPublicKey.id) return pub;
    if (requestSerial && this.keyring.published().some((c) => c.serial === requestSerial.toUpperCase())) return this.keyring.current();
    return this.alternate(m, pub);
  }

  /** The signer of a notification to the merchant `merchantKey` (mchid, or sp_mchid/sub_mchid). */
  forNotification(merchantKey: string): Signer {
    const m = this.merchants.get(merchantKey.split('/')[0]!);
    if (!m || (m.signWith ?? 'certificate') === 'certificate' || !m.wechatpayPublicKey) return this.keyring.current();
    const pub: Signer = { serial: m.wechatpayPublicKey.id, privateKey: m.wechatpayPublicKey.privateKey };
    return m.signWith === 'public_key' ? pub : this.alternate(m, pub);
  }

  private alternate(m: Merchant, pub: Signer): Signer {
    const n = (this.turn.get(m.mchid) ?? 0) + 1;
    this.turn.set(m.mchid, n);
    return n % 2 === 1 ? pub : this.keyring.current();
  }
}
