// `npm run keys`: a dev key set in the ignored .dev/ folder. A direct merchant (key + certificate), an
// institution merchant with one sub-merchant, the sandbox's platform key + certificate, APIv3 keys, mini
// program apps, a WeChat Pay public key (`PUB_KEY_ID_...`) per merchant, then `sandbox.json` (read by the
// sandbox) and `backend.env` (read by the backend). Idempotent: an existing set is kept (and returned) unless
// `--force`; a set made before public keys existed gets them added.
import { createPublicKey, randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { generateRsaKey, issueCertificate } from './certificates';

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');

export interface DevMerchant {
  mchid: string;
  serial: string;
  privateKeyPath: string;
  certificatePath: string;
  apiV3Key: string;
  /** The merchant's WeChat Pay public key id (`PUB_KEY_ID_...`) and the public key file the merchant downloads. */
  publicKeyId: string;
  publicKeyPath: string;
  /** The private half of that key pair: the sandbox's, never the backend's. */
  publicKeyPrivatePath: string;
}

export interface DevKeys {
  dir: string;
  configPath: string;
  backendEnvPath: string;
  platform: { serial: string; keyPath: string; certificatePath: string };
  direct: DevMerchant & { appid: string; appSecret: string };
  institution: DevMerchant & { spAppid: string; subMchid: string; subAppid: string; subAppSecret: string };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomText = (n: number) => Array.from({ length: n }, () => ALNUM[randomInt(ALNUM.length)]).join('');
const digits = (prefix: string, n: number) => prefix + Array.from({ length: n - prefix.length }, () => randomInt(10)).join('');
const appid = () => `wx${randomBytes(8).toString('hex')}`;

function readExisting(dir: string): DevKeys | undefined {
  const configPath = join(dir, 'sandbox.json');
  if (!existsSync(configPath)) return undefined;
  const cfg = JSON.parse(readFileSync(configPath, 'utf8'));
  const dev = cfg.dev as Omit<DevKeys, 'dir' | 'configPath' | 'backendEnvPath'> | undefined;
  if (!dev) return undefined;
  const abs = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  if (!dev.direct.publicKeyId || !dev.institution.publicKeyId) return undefined;
  const m = <T extends DevMerchant>(x: T): T => ({
    ...x,
    privateKeyPath: abs(x.privateKeyPath),
    certificatePath: abs(x.certificatePath),
    publicKeyPath: abs(x.publicKeyPath),
    publicKeyPrivatePath: abs(x.publicKeyPrivatePath),
  });
  return {
    dir,
    configPath,
    backendEnvPath: join(dir, 'backend.env'),
    platform: { ...dev.platform, keyPath: abs(dev.platform.keyPath), certificatePath: abs(dev.platform.certificatePath) },
    direct: m(dev.direct),
    institution: m(dev.institution),
  };
}

/** `PUB_KEY_ID_` + 28 digits, shaped like WeChat Pay's ids (`01`, the mchid, then digits). */
export function publicKeyIdFor(mchid: string): string {
  return `PUB_KEY_ID_01${mchid}`.padEnd(11 + 28, '0').slice(0, 11 + 24) + digits('', 4);
}

/** A WeChat Pay public key pair for `mchid`: the SPKI public key file (for the merchant) and the private half (for the sandbox). */
function writePublicKeyPair(write: (name: string, text: string) => string, name: string, mchid: string) {
  const key = generateRsaKey();
  return {
    publicKeyId: publicKeyIdFor(mchid),
    publicKeyPath: write(`${name}-wechatpay-pub-key.pem`, createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString()),
    publicKeyPrivatePath: write(`${name}-wechatpay-pub-key-private.pem`, key.export({ type: 'pkcs8', format: 'pem' }).toString()),
  };
}

/** Adds public key pairs to a set made before they existed (ids, keys and serials stay as they were). */
function addPublicKeys(dir: string): void {
  const configPath = join(dir, 'sandbox.json');
  const cfg = JSON.parse(readFileSync(configPath, 'utf8'));
  if (!cfg.dev?.direct || !cfg.dev?.institution) return;
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, 'keys', name), text, { mode: 0o600 });
    return `keys/${name}`;
  };
  for (const [kind, file] of [
    ['direct', 'merchant'],
    ['institution', 'institution'],
  ] as const) {
    const pair = writePublicKeyPair(write, file, cfg.dev[kind].mchid);
    Object.assign(cfg.dev[kind], pair);
    const m = (cfg.merchants as { mchid: string; publicKey?: unknown }[]).find((x) => x.mchid === cfg.dev[kind].mchid);
    if (m) m.publicKey = { id: pair.publicKeyId, keyPath: pair.publicKeyPrivatePath };
  }
  writeFileSync(configPath, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
}

/** Writes (or returns the existing) dev key set in `dir`. */
export function generateDevKeys(dirArg = join(PROJECT_ROOT, '.dev'), opts: { force?: boolean } = {}): DevKeys {
  const dir = resolve(dirArg);
  if (!opts.force) {
    let existing = readExisting(dir);
    if (!existing && existsSync(join(dir, 'sandbox.json'))) {
      addPublicKeys(dir);
      existing = readExisting(dir);
    }
    if (existing) return existing;
  }
  const keys = join(dir, 'keys');
  mkdirSync(keys, { recursive: true, mode: 0o700 });
  const write = (name: string, text: string) => {
    writeFileSync(join(keys, name), text, { mode: 0o600 });
    return `keys/${name}`;
  };
  const platform = issueCertificate({ commonName: 'WeChat Pay Global Sandbox Platform' });
  const direct = issueCertificate({ commonName: 'Sandbox direct merchant', organization: 'Sandbox Merchant' });
  const inst = issueCertificate({ commonName: 'Sandbox institution', organization: 'Sandbox Institution' });
  const rel = {
    platformKey: write('platform-key.pem', platform.privateKeyPem),
    platformCert: write('platform-cert.pem', platform.certificatePem),
    merchantKey: write('merchant-key.pem', direct.privateKeyPem),
    merchantCert: write('merchant-cert.pem', direct.certificatePem),
    instKey: write('institution-key.pem', inst.privateKeyPem),
    instCert: write('institution-cert.pem', inst.certificatePem),
  };
  const d = { mchid: digits('19', 10), appid: appid(), appSecret: randomBytes(16).toString('hex'), apiV3Key: randomText(32) };
  const i = {
    mchid: digits('18', 10),
    spAppid: appid(),
    subMchid: digits('17', 10),
    subAppid: appid(),
    subAppSecret: randomBytes(16).toString('hex'),
    apiV3Key: randomText(32),
  };
  const dPub = writePublicKeyPair(write, 'merchant', d.mchid);
  const iPub = writePublicKeyPair(write, 'institution', i.mchid);
  const dev = {
    platform: { serial: platform.serial, keyPath: rel.platformKey, certificatePath: rel.platformCert },
    direct: { ...d, serial: direct.serial, privateKeyPath: rel.merchantKey, certificatePath: rel.merchantCert, ...dPub },
    institution: { ...i, serial: inst.serial, privateKeyPath: rel.instKey, certificatePath: rel.instCert, ...iPub },
  };
  const config = {
    platform: { keyPath: rel.platformKey, certificatePath: rel.platformCert },
    merchants: [
      {
        mchid: d.mchid,
        mode: 'direct',
        appids: [d.appid],
        certificatePath: rel.merchantCert,
        apiV3Key: d.apiV3Key,
        name: 'Sandbox Shop (direct)',
        // signWith: 'certificate' (default) | 'public_key' | 'both' (see the sandbox README)
        publicKey: { id: dPub.publicKeyId, keyPath: dPub.publicKeyPrivatePath },
      },
      {
        mchid: i.mchid,
        mode: 'institution',
        appids: [i.spAppid],
        subMchids: [i.subMchid],
        subAppids: [i.subAppid],
        certificatePath: rel.instCert,
        apiV3Key: i.apiV3Key,
        name: 'Sandbox Institution',
        publicKey: { id: iPub.publicKeyId, keyPath: iPub.publicKeyPrivatePath },
      },
    ],
    miniprograms: [
      { appid: d.appid, secret: d.appSecret },
      { appid: i.subAppid, secret: i.subAppSecret },
    ],
    settings: {},
    faults: { rates: {} },
    // What the key set holds, so tools and tests can read it back (no secrets beyond the dev ones above).
    dev,
  };
  const configPath = join(dir, 'sandbox.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  const fromRoot = (p: string) => {
    const full = join(dir, p);
    const r = relative(PROJECT_ROOT, full);
    return r.startsWith('..') || isAbsolute(r) ? full : r;
  };
  const backendEnvPath = join(dir, 'backend.env');
  const previousJwt = existsSync(backendEnvPath) ? /^JWT_SECRET=(.+)$/m.exec(readFileSync(backendEnvPath, 'utf8'))?.[1] : undefined;
  writeFileSync(
    backendEnvPath,
    [
      '# Dev values for the backend against the local sandbox (generated by `npm run keys`; not for production).',
      'WECHATPAY_MODE=direct',
      `WECHATPAY_MCHID=${d.mchid}`,
      `WECHATPAY_APPID=${d.appid}`,
      `WECHATPAY_MERCHANT_SERIAL=${direct.serial}`,
      `WECHATPAY_PRIVATE_KEY_PATH=${fromRoot(rel.merchantKey)}`,
      `WECHATPAY_MERCHANT_CERT_PATH=${fromRoot(rel.merchantCert)}`,
      '# WeChat Pay public key: uncomment both, and switch the sandbox merchant with',
      `#   POST /sandbox/merchants/${d.mchid}/signing {"sign_with":"public_key"} (or "both" with WECHATPAY_VERIFY_WITH=both)`,
      `# WECHATPAY_PUBLIC_KEY_ID=${dPub.publicKeyId}`,
      `# WECHATPAY_PUBLIC_KEY_PATH=${fromRoot(dPub.publicKeyPath)}`,
      `WECHATPAY_APIV3_KEY=${d.apiV3Key}`,
      `WECHAT_APP_SECRET=${d.appSecret}`,
      `JWT_SECRET=${previousJwt ?? randomText(48)}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return readExisting(dir)!;
}

if (require.main === module) {
  const force = process.argv.includes('--force');
  const dirArg = process.argv.slice(2).find((a) => !a.startsWith('--'));
  const before = existsSync(join(resolve(dirArg ?? join(PROJECT_ROOT, '.dev')), 'sandbox.json'));
  const k = generateDevKeys(dirArg, { force });
  const verb = before && !force ? 'kept the existing' : 'wrote a new';
  process.stdout.write(
    `${verb} dev key set in ${k.dir}\n` +
      `  direct merchant      mchid ${k.direct.mchid}  appid ${k.direct.appid}  serial ${k.direct.serial}\n` +
      `  institution          sp_mchid ${k.institution.mchid}  sub_mchid ${k.institution.subMchid}  sub_appid ${k.institution.subAppid}\n` +
      `  platform certificate serial ${k.platform.serial}\n` +
      `  public keys          ${k.direct.publicKeyId} (direct)  ${k.institution.publicKeyId} (institution)\n` +
      `  sandbox config       ${k.configPath}\n  backend env          ${k.backendEnvPath}\n`,
  );
}
