// Verification keys are found by the `Wechatpay-Serial` header. A resolver may hold platform certificates
// (serial = certificate serial) or a WeChat Pay public key (serial = `PUB_KEY_ID_...`), or combine both.
import type { KeyObject } from 'node:crypto';
import { loadPublicKey } from '../crypto/keys';

export interface PublicKeyResolver {
  /** The key for this serial, or undefined when it is not trusted. May refresh (e.g. download certificates). */
  resolve(serial: string): Promise<KeyObject | undefined>;
}

/** Fixed keys by id: a `PUB_KEY_ID_...` public key, or pinned certificates. */
export class StaticKeyResolver implements PublicKeyResolver {
  private readonly keys = new Map<string, KeyObject>();

  constructor(entries: ReadonlyArray<{ id: string; key: string | Buffer | KeyObject }> = []) {
    for (const e of entries) this.add(e.id, e.key);
  }

  add(id: string, key: string | Buffer | KeyObject): this {
    this.keys.set(id, loadPublicKey(key));
    return this;
  }

  has(id: string): boolean {
    return this.keys.has(id);
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }

  async resolve(serial: string): Promise<KeyObject | undefined> {
    return this.keys.get(serial);
  }
}

/** Asks each resolver in turn; the first that knows the serial wins. */
export class CombinedKeyResolver implements PublicKeyResolver {
  constructor(private readonly resolvers: readonly PublicKeyResolver[]) {}

  async resolve(serial: string): Promise<KeyObject | undefined> {
    for (const r of this.resolvers) {
      const key = await r.resolve(serial);
      if (key) return key;
    }
    return undefined;
  }
}
