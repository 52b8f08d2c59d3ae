// Platform certificates from GET /v3/global/certificates: decrypted with the APIv3 key (the GCM tag proves they
// came from WeChat Pay), kept by serial, refreshed before expiry and when an unknown serial shows up. One download
// at a time however many callers wait; old and new certificates stay trusted side by side during a rotation.
import type { KeyObject } from 'node:crypto';
import { X509Certificate } from 'node:crypto';
import type { PublicKeyResolver } from './auth/key-resolver';
import { readSignedHeaders, validateSignedMessage } from './auth/validator';
import { decryptAesGcm } from './crypto/aes-gcm';
import { CLIENT_ERROR_CODES, WechatPayError } from './errors';
import type { ApiCore } from './http/core';
import type { CertificateList } from './types';

export const CERTIFICATES_PATH = '/v3/global/certificates';

export interface PlatformCertificate {
  serial: string;
  pem: string;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
}

export interface CertificateManagerOptions {
  apiV3Key: string | Buffer;
  /** Certificates trusted from the start (optional; otherwise the first download bootstraps trust). */
  pinned?: string[];
  /** Re-download when the last download is older than this (default 12 h). */
  refreshIntervalMs?: number;
  /** Re-download (at most once a minute) when every trusted certificate expires within this (default 24 h). */
  expiryMarginMs?: number;
  /** Unknown serials trigger at most one download per this interval (default 60 s) so forged serials cannot flood. */
  unknownSerialIntervalMs?: number;
  /** Keys trusted besides certificates (a `PUB_KEY_ID_...` public key): the download may be signed by one of them,
   * as WeChat Pay does during the switch-over when the request names the public key in `Wechatpay-Serial`. */
  alsoTrusted?: PublicKeyResolver;
  now?: () => number;
}

export class CertificateManager implements PublicKeyResolver {
  private readonly certs = new Map<string, PlatformCertificate>();
  private inflight: Promise<void> | undefined;
  private lastDownloadMs = -Infinity;
  private lastUnknownRefreshMs = -Infinity;
  private core: ApiCore | undefined;
  private readonly now: () => number;
  /** Number of downloads started (for tests and metrics). */
  downloads = 0;

  constructor(private readonly opts: CertificateManagerOptions) {
    this.now = opts.now ?? Date.now;
    for (const pem of opts.pinned ?? []) this.add(pem);
  }

  /** The API core is attached after construction because the core verifies with this manager. */
  attach(core: ApiCore): this {
    this.core = core;
    return this;
  }

  list(): PlatformCertificate[] {
    return [...this.certs.values()];
  }

  /** The newest valid certificate: the one to encrypt sensitive fields with. */
  async newest(): Promise<PlatformCertificate> {
    await this.ensureFresh();
    const valid = this.valid();
    if (valid.length === 0) {
      throw new WechatPayError({ kind: 'config', code: CLIENT_ERROR_CODES.config, message: 'no valid platform certificate' });
    }
    return valid.reduce((a, b) => (b.notBefore > a.notBefore ? b : a));
  }

  async resolve(serial: string): Promise<KeyObject | undefined> {
    await this.ensureFresh();
    const known = this.lookup(serial);
    if (known) return known;
    const now = this.now();
    if (this.inflight) {
      await this.inflight;
    } else if (now - this.lastUnknownRefreshMs >= (this.opts.unknownSerialIntervalMs ?? 60_000)) {
      this.lastUnknownRefreshMs = now;
      await this.refresh();
    }
    return this.lookup(serial);
  }

  /** Downloads now, or joins the download already in flight. */
  refresh(): Promise<void> {
    this.inflight ??= this.download().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private lookup(serial: string): KeyObject | undefined {
    const c = this.certs.get(serial.toUpperCase());
    if (!c) return undefined;
    const now = this.now();
    return c.notBefore.getTime() <= now && now < c.notAfter.getTime() ? c.publicKey : undefined;
  }

  private valid(): PlatformCertificate[] {
    const now = this.now();
    return this.list().filter((c) => c.notBefore.getTime() <= now && now < c.notAfter.getTime());
  }

  /** Blocks when nothing valid is trusted; otherwise refreshes in the background when due. */
  private async ensureFresh(): Promise<void> {
    const now = this.now();
    const valid = this.valid();
    if (valid.length === 0) {
      await this.refresh();
      return;
    }
    const margin = this.opts.expiryMarginMs ?? 24 * 3600_000;
    const sinceLast = now - this.lastDownloadMs;
    const due =
      sinceLast > (this.opts.refreshIntervalMs ?? 12 * 3600_000) ||
      (sinceLast > (this.opts.unknownSerialIntervalMs ?? 60_000) && valid.every((c) => c.notAfter.getTime() - now < margin));
    if (due && this.core) this.refresh().catch(() => undefined); // retried on the next access
  }

  private add(pem: string): PlatformCertificate {
    const x = new X509Certificate(pem);
    const cert: PlatformCertificate = {
      serial: x.serialNumber.toUpperCase(),
      pem,
      publicKey: x.publicKey,
      notBefore: new Date(x.validFrom),
      notAfter: new Date(x.validTo),
    };
    this.certs.set(cert.serial, cert);
    return cert;
  }

  private async download(): Promise<void> {
    if (!this.core)
      throw new WechatPayError({
        kind: 'config',
        code: CLIENT_ERROR_CODES.config,
        message: 'certificate manager has no API client attached',
      });
    this.downloads++;
    const res = await this.core.call({ method: 'GET', path: CERTIFICATES_PATH, idempotent: true, verify: 'none' });
    const fail = (message: string, cause?: unknown) =>
      new WechatPayError({
        kind: 'invalid_response',
        code: CLIENT_ERROR_CODES.invalidResponse,
        message,
        status: res.status,
        requestId: res.requestId,
        cause,
      });
    let list: CertificateList;
    try {
      list = JSON.parse(res.text) as CertificateList;
    } catch (cause) {
      throw fail('certificate list is not JSON', cause);
    }
    if (!Array.isArray(list?.data)) throw fail('certificate list has no data array');
    const fresh = new Map<string, string>();
    for (const item of list.data) {
      const enc = item.encrypt_certificate;
      if (!enc || enc.algorithm !== 'AEAD_AES_256_GCM') throw fail(`certificate ${item.serial_no} uses an unsupported algorithm`);
      let pem: string;
      try {
        pem = decryptAesGcm(this.opts.apiV3Key, enc.nonce, enc.associated_data ?? '', enc.ciphertext);
      } catch (cause) {
        throw fail(`certificate ${item.serial_no} failed to decrypt (wrong APIv3 key or tampered)`, cause);
      }
      const serial = new X509Certificate(pem).serialNumber.toUpperCase();
      if (item.serial_no && item.serial_no.toUpperCase() !== serial)
        throw fail(`certificate serial ${serial} does not match serial_no ${item.serial_no}`);
      fresh.set(serial, pem);
    }
    // Later downloads must be signed by a certificate already trusted; the first one (or one after every trusted
    // certificate expired) is checked against the certificates it carries, which the GCM tag authenticated.
    // A key trusted besides certificates (the public key) may sign it too.
    const trustedBefore = this.valid();
    const also = this.opts.alsoTrusted;
    const resolver: PublicKeyResolver = {
      resolve: async (s) =>
        (trustedBefore.length > 0
          ? this.lookup(s)
          : fresh.has(s.toUpperCase())
            ? new X509Certificate(fresh.get(s.toUpperCase())!).publicKey
            : undefined) ?? (await also?.resolve(s)),
    };
    const verdict = await validateSignedMessage(readSignedHeaders(res.headers), res.text, { resolver, nowMs: this.now() });
    if (!verdict.ok) {
      throw new WechatPayError({
        kind: 'signature',
        code: CLIENT_ERROR_CODES.signature,
        message: `certificate download treated as forged: ${verdict.message}`,
        status: res.status,
        requestId: res.requestId,
        detail: { reason: verdict.reason, serial: verdict.serial },
      });
    }
    for (const pem of fresh.values()) this.add(pem);
    const now = this.now();
    for (const [serial, c] of this.certs) if (c.notAfter.getTime() <= now) this.certs.delete(serial);
    this.lastDownloadMs = now;
  }
}
