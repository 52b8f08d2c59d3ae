// The sandbox's platform certificates: which ones are published by /v3/global/certificates, which key signs
// answers and notifications, and rotation (publish a new one, switch signing to it, retire the old one).
// Persisted so a restart keeps the same serials; KeyObjects are parsed once.
import type { KeyObject } from 'node:crypto';
import { certificateSerial, certificateValidity, loadPrivateKey } from '../../src/wechatpay/crypto';
import type { Clock } from '../clock';
import type { Models, PlatformCertDoc } from '../ledger/models';
import { issueCertificate, generateRsaKey } from './certificates';

export interface PlatformCert {
  serial: string;
  certificatePem: string;
  privateKey: KeyObject;
  publishedAt: Date;
  signingFrom: Date;
  retireAt?: Date;
  notBefore: Date;
  notAfter: Date;
}

export interface RotateOptions {
  /** Simulated seconds before answers are signed with the new key (0: at once). */
  switchAfterSeconds?: number;
  /** Simulated seconds before the old certificates leave the published list. */
  retireAfterSeconds?: number;
  /** Real seconds the new certificate is valid for (default 5 years); a short one tests expiry warnings. */
  validSeconds?: number;
}

function fromDoc(d: PlatformCertDoc): PlatformCert {
  const v = certificateValidity(d.certificatePem);
  return {
    serial: d._id,
    certificatePem: d.certificatePem,
    privateKey: loadPrivateKey(d.privateKeyPem),
    publishedAt: d.published_at,
    signingFrom: d.signing_from,
    retireAt: d.retire_at ?? undefined,
    notBefore: v.notBefore,
    notAfter: v.notAfter,
  };
}

export class PlatformKeyring {
  private certs: PlatformCert[] = [];

  private constructor(
    private readonly models: Models,
    private readonly clock: Clock,
  ) {}

  /** Loads the persisted certificates; the first start records the configured one. */
  static async open(models: Models, clock: Clock, initial: { privateKeyPem: string; certificatePem: string }): Promise<PlatformKeyring> {
    const ring = new PlatformKeyring(models, clock);
    const serial = certificateSerial(initial.certificatePem);
    const epoch = new Date(0);
    await models.PlatformCert.updateOne(
      { _id: serial },
      {
        $setOnInsert: {
          certificatePem: initial.certificatePem,
          privateKeyPem: initial.privateKeyPem,
          published_at: epoch,
          signing_from: epoch,
          created_at: new Date(clock.now()),
        },
      },
      { upsert: true },
    );
    await ring.reload();
    return ring;
  }

  async reload(): Promise<void> {
    const docs = await this.models.PlatformCert.find({}).sort({ created_at: 1 }).lean<PlatformCertDoc[]>();
    this.certs = docs.map(fromDoc);
  }

  /** Certificates listed by /v3/global/certificates now. */
  published(): PlatformCert[] {
    const now = this.clock.now();
    return this.certs.filter((c) => c.publishedAt.getTime() <= now && !(c.retireAt && c.retireAt.getTime() <= now));
  }

  /** The key that signs answers and notifications now: the newest published one whose signing time has come. */
  current(): PlatformCert {
    const now = this.clock.now();
    const live = this.published().filter((c) => c.signingFrom.getTime() <= now);
    const cur = live[live.length - 1] ?? this.published()[0] ?? this.certs[this.certs.length - 1];
    if (!cur) throw new Error('no platform certificate');
    return cur;
  }

  all(): PlatformCert[] {
    return [...this.certs];
  }

  async rotate(opts: RotateOptions = {}): Promise<PlatformCert> {
    // Key generation takes a while: the overlap is counted from when the certificate exists.
    const notBefore = new Date(Date.now() - 60_000);
    const issued = issueCertificate({
      commonName: 'WeChat Pay Global Sandbox Platform',
      key: generateRsaKey(),
      notBefore,
      notAfter: opts.validSeconds ? new Date(notBefore.getTime() + 60_000 + opts.validSeconds * 1000) : undefined,
    });
    const now = this.clock.now();
    const switchAt = new Date(now + this.clock.scale((opts.switchAfterSeconds ?? 0) * 1000));
    const retireAt = new Date(switchAt.getTime() + this.clock.scale((opts.retireAfterSeconds ?? 3600) * 1000));
    await this.models.PlatformCert.updateMany(
      { $or: [{ retire_at: null }, { retire_at: { $gt: retireAt } }] },
      { $set: { retire_at: retireAt } },
    );
    await this.models.PlatformCert.create({
      _id: issued.serial,
      certificatePem: issued.certificatePem,
      privateKeyPem: issued.privateKeyPem,
      published_at: new Date(now),
      signing_from: switchAt,
      created_at: new Date(now),
    });
    await this.reload();
    return this.certs.find((c) => c.serial === issued.serial)!;
  }

  /** Retires every certificate except the one signing now. */
  async retireOld(): Promise<void> {
    const keep = this.current().serial;
    await this.models.PlatformCert.updateMany({ _id: { $ne: keep } }, { $set: { retire_at: new Date(this.clock.now()) } });
    await this.reload();
  }
}
