// `wxpay doctor`: the go-live checks, run against the live host or the sandbox with the backend's own
// configuration (the same environment variables, validated by server/src/config). Each check says ok, or what is
// wrong and how to fix it. Signed calls are made with the service's clock (measured from its Date header) so a
// skewed clock fails only the clock check, and checks that need an earlier one to pass are skipped, not failed.
import { createPrivateKey, createPublicKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mongoose from 'mongoose';
import { ConfigError, loadConfig, verificationMode, type Config } from '../config';
import { MODEL_FACTORIES } from '../storage/mongo/models';
import { notifyUrl } from '../gateway/wechatpay-gateway';
import { createWechatPayClient, isWechatPayError, WechatPayError, type WechatPayClient } from '../wechatpay';
import { buildResponseMessage, decryptAesGcm, verifySha256Rsa } from '../wechatpay/crypto';
import type { ApiResponse } from '../wechatpay/http/core';
import type { CertificateList } from '../wechatpay/types';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  message: string;
  /** How to fix it (for warn and fail). */
  fix?: string;
}

export const CHECK_IDS = [
  'config',
  'private-key',
  'merchant-certificate',
  'apiv3-key',
  'appid',
  'notify-url',
  'clock',
  'credentials',
  'platform-certificates',
  'public-key',
  'mongodb',
  'indexes',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export const SIGNATURE_WINDOW_SECONDS = 300;
export const CERTIFICATE_MIN_REMAINING_DAYS = 7;
const APPID = /^wx[0-9a-f]{16}$/;
const DAY = 86400_000;

export interface DoctorOptions {
  /** Skip the database checks (only when told: `wxpay doctor --no-db`). */
  skipDatabase?: boolean;
  /** Local clock (tests). */
  now?: () => number;
}

class Report {
  readonly results: CheckResult[] = [];
  add(id: CheckId, status: CheckStatus, message: string, fix?: string): CheckResult {
    const r: CheckResult = { id, status, message, ...(fix ? { fix } : {}) };
    this.results.push(r);
    return r;
  }
  get(id: CheckId): CheckResult | undefined {
    return this.results.find((r) => r.id === id);
  }
  failed(id: CheckId): boolean {
    return this.get(id)?.status === 'fail';
  }
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Runs every check; the results come in CHECK_IDS order. */
export async function runDoctor(env: NodeJS.ProcessEnv, opts: DoctorOptions = {}): Promise<CheckResult[]> {
  const now = opts.now ?? Date.now;
  const report = new Report();
  let config: Config;
  try {
    config = loadConfig(env);
    report.add(
      'config',
      'ok',
      `environment valid; WeChat Pay at ${config.WECHATPAY_BASE_URL} (${config.WECHATPAY_MODE} mode, verify with ${verificationMode(config)})`,
    );
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems.join('; ') : errText(err);
    report.add('config', 'fail', `the backend would not start: ${problems}`, 'set the variables named (see README.md, Configuration)');
    for (const id of CHECK_IDS.slice(1)) report.add(id, 'skip', 'needs a valid configuration');
    return report.results;
  }

  const privateKey = checkPrivateKey(report, config);
  checkMerchantCertificate(report, config, privateKey, now());
  const apiV3Bytes = Buffer.byteLength(config.WECHATPAY_APIV3_KEY);
  checkAppid(report, config);
  checkNotifyUrl(report, config);
  await checkService(report, config, privateKey, apiV3Bytes, now);
  if (opts.skipDatabase) {
    report.add('mongodb', 'skip', 'skipped (--no-db)');
    report.add('indexes', 'skip', 'skipped (--no-db)');
  } else {
    await checkDatabase(report, config);
  }
  return CHECK_IDS.map((id) => report.get(id)!).filter(Boolean);
}

function checkPrivateKey(report: Report, config: Config): KeyObject | undefined {
  const path = config.WECHATPAY_PRIVATE_KEY_PATH;
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    report.add(
      'private-key',
      'fail',
      `cannot read WECHATPAY_PRIVATE_KEY_PATH=${path}: ${(err as NodeJS.ErrnoException).code ?? errText(err)}`,
      'point it at apiclient_key.pem from the merchant API certificate download',
    );
    return undefined;
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    const hint = pem.toString('utf8').includes('CERTIFICATE') ? ' (this file is a certificate, not a private key)' : '';
    report.add(
      'private-key',
      'fail',
      `WECHATPAY_PRIVATE_KEY_PATH=${path} is not a private key${hint}: ${errText(err)}`,
      'use apiclient_key.pem from the merchant platform (a PEM private key, not the certificate apiclient_cert.pem)',
    );
    return undefined;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== 'rsa' || bits !== 2048) {
    report.add(
      'private-key',
      'fail',
      `the private key is ${key.asymmetricKeyType ?? 'unknown'}${bits ? `-${bits}` : ''}, WeChat Pay APIv3 signs with RSA-2048`,
      'use the merchant API key (apiclient_key.pem) issued by the merchant platform',
    );
    return undefined;
  }
  report.add('private-key', 'ok', 'RSA-2048 private key');
  return key;
}

function checkMerchantCertificate(report: Report, config: Config, key: KeyObject | undefined, nowMs: number): void {
  const path = config.WECHATPAY_MERCHANT_CERT_PATH;
  if (!path) {
    report.add(
      'merchant-certificate',
      'skip',
      'WECHATPAY_MERCHANT_CERT_PATH not set: the key and serial are checked only by the signed call below',
    );
    return;
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(path));
  } catch (err) {
    report.add(
      'merchant-certificate',
      'fail',
      `WECHATPAY_MERCHANT_CERT_PATH=${path} is not a readable X.509 certificate: ${errText(err)}`,
      'point it at apiclient_cert.pem, or unset it',
    );
    return;
  }
  const serial = cert.serialNumber.toUpperCase();
  const problems: string[] = [];
  const fixes: string[] = [];
  if (key) {
    const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
    if (!spki(createPublicKey(key)).equals(spki(cert.publicKey))) {
      problems.push(`the private key does not belong to this certificate (serial ${serial})`);
      fixes.push(
        'WECHATPAY_PRIVATE_KEY_PATH and WECHATPAY_MERCHANT_CERT_PATH must come from the same certificate download (apiclient_key.pem + apiclient_cert.pem)',
      );
    }
  }
  if (serial !== config.WECHATPAY_MERCHANT_SERIAL.toUpperCase()) {
    problems.push(`WECHATPAY_MERCHANT_SERIAL=${config.WECHATPAY_MERCHANT_SERIAL} is not the certificate's serial ${serial}`);
    fixes.push(`set WECHATPAY_MERCHANT_SERIAL=${serial} (openssl x509 -in apiclient_cert.pem -noout -serial)`);
  }
  const notAfter = new Date(cert.validTo).getTime();
  if (notAfter <= nowMs) {
    problems.push(`the certificate expired on ${day(notAfter)}`);
    fixes.push('renew the merchant API certificate on the merchant platform (Account Center > API security)');
  }
  if (problems.length) {
    report.add('merchant-certificate', 'fail', problems.join('; '), fixes.join('; '));
  } else if (notAfter - nowMs < 30 * DAY) {
    report.add(
      'merchant-certificate',
      'warn',
      `matches the key and serial ${serial}, but expires on ${day(notAfter)}`,
      'renew the merchant API certificate before then',
    );
  } else {
    report.add(
      'merchant-certificate',
      'ok',
      `matches the private key and WECHATPAY_MERCHANT_SERIAL (${serial}), valid until ${day(notAfter)}`,
    );
  }
}

function checkAppid(report: Report, config: Config): void {
  const bad = [
    ['WECHATPAY_APPID', config.WECHATPAY_APPID],
    ['WECHATPAY_SUB_APPID', config.WECHATPAY_SUB_APPID],
  ].filter((e): e is [string, string] => e[1] !== undefined && !APPID.test(e[1]));
  if (bad.length) {
    report.add(
      'appid',
      'fail',
      bad.map(([k, v]) => `${k}=${v} does not look like an appid (wx + 16 lower-case hex)`).join('; '),
      'copy the AppID from the Mini Program admin console (Development > Development settings)',
    );
  } else {
    report.add('appid', 'ok', [config.WECHATPAY_APPID, config.WECHATPAY_SUB_APPID].filter(Boolean).join(', '));
  }
}

function checkNotifyUrl(report: Report, config: Config): void {
  const urls = [notifyUrl(config, 'transactions'), notifyUrl(config, 'refunds')];
  const problems: string[] = [];
  let u: URL | undefined;
  try {
    u = new URL(config.WECHATPAY_NOTIFY_BASE_URL);
  } catch {
    problems.push(`WECHATPAY_NOTIFY_BASE_URL=${config.WECHATPAY_NOTIFY_BASE_URL} is not an absolute URL`);
  }
  if (u) {
    if (u.protocol !== 'https:') problems.push(`${urls[0]} is not https`);
    if (u.search || u.hash) problems.push('the notify URL must not carry a query string or fragment');
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (
      host === 'localhost' ||
      host.endsWith('.localhost') ||
      /^127\./.test(host) ||
      host === '::1' ||
      host === '0.0.0.0' ||
      /^(10|192\.168)\./.test(host) ||
      /^172\.(1[6-9]|2\d|3[01])\./.test(host)
    ) {
      problems.push(`${u.hostname} cannot be reached by WeChat Pay`);
    }
  }
  if (problems.length === 0) {
    report.add('notify-url', 'ok', urls.join(', '));
    return;
  }
  const fix =
    'set WECHATPAY_NOTIFY_BASE_URL to the public https origin of this backend, without query string (WeChat Pay posts to <base>/wechatpay/notify/{transactions,refunds})';
  if (config.SANDBOX) report.add('notify-url', 'warn', `${problems.join('; ')} (fine against the sandbox, not for go-live)`, fix);
  else report.add('notify-url', 'fail', problems.join('; '), fix);
}

/** A client that signs with the service's clock (`offsetMs` added), English error messages, no retries. */
function doctorClient(config: Config, key: KeyObject, offsetMs: number, publicKey?: { id: string; key: KeyObject }): WechatPayClient {
  const common = {
    merchantSerial: config.WECHATPAY_MERCHANT_SERIAL,
    privateKey: key,
    // The doctor decrypts by itself; a key of the wrong length is reported, not thrown.
    apiV3Key: Buffer.byteLength(config.WECHATPAY_APIV3_KEY) === 32 ? config.WECHATPAY_APIV3_KEY : '0'.repeat(32),
    baseUrl: config.WECHATPAY_BASE_URL,
    timeoutMs: config.WECHATPAY_TIMEOUT_MS,
    retry: { maxRetries: 0 },
    acceptLanguage: 'en' as const,
    now: () => Date.now() + offsetMs,
    ...(publicKey ? { platformPublicKey: publicKey, downloadCertificates: false } : { downloadCertificates: true }),
  };
  return config.WECHATPAY_MODE === 'direct'
    ? createWechatPayClient({ mode: 'direct', mchid: config.WECHATPAY_MCHID, appid: config.WECHATPAY_APPID, ...common })
    : createWechatPayClient({
        mode: 'institution',
        spMchid: config.WECHATPAY_MCHID,
        spAppid: config.WECHATPAY_APPID,
        subMchid: config.WECHATPAY_SUB_MCHID!,
        subAppid: config.WECHATPAY_SUB_APPID,
        ...common,
      });
}

/** Why WeChat Pay refused the signed request, and what to change. */
function explainSignError(err: WechatPayError, config: Config): { message: string; fix: string } {
  const detail = (err.detail ?? {}) as { field?: string };
  const text = `${err.message} ${err.body ?? ''}`;
  const said = `WeChat Pay answered ${err.status} ${err.code}: ${err.message}`;
  if (detail.field === 'serial_no' || /serial|序列号/i.test(text)) {
    return {
      message: `${said}. WECHATPAY_MERCHANT_SERIAL=${config.WECHATPAY_MERCHANT_SERIAL} is not a merchant API certificate of ${config.WECHATPAY_MCHID}`,
      fix: 'set WECHATPAY_MERCHANT_SERIAL to the serial of apiclient_cert.pem (openssl x509 -in apiclient_cert.pem -noout -serial), and check WECHATPAY_MCHID',
    };
  }
  if (detail.field === 'mchid' || /merchant ID does not exist|商户号/i.test(text)) {
    return {
      message: `${said}. WECHATPAY_MCHID=${config.WECHATPAY_MCHID} is unknown there`,
      fix: 'check WECHATPAY_MCHID (sp_mchid in institution mode) and WECHATPAY_BASE_URL',
    };
  }
  if (detail.field === 'timestamp' || /timestamp/i.test(text)) {
    return { message: `${said}`, fix: "synchronise this machine's clock (NTP)" };
  }
  if (/APIv3/i.test(text)) {
    return { message: `${said}`, fix: 'set an APIv3 key on the merchant platform (API security) and put it in WECHATPAY_APIV3_KEY' };
  }
  if (detail.field === 'signature' || /signature|签名/i.test(text)) {
    return {
      message: `${said}. The serial ${config.WECHATPAY_MERCHANT_SERIAL} is known, but the signature does not verify with its certificate: WECHATPAY_PRIVATE_KEY_PATH is not that certificate's key (a key of another merchant, or of an older certificate?)`,
      fix: 'use the apiclient_key.pem downloaded together with the certificate of WECHATPAY_MERCHANT_SERIAL; `wxpay sign` prints the exact signed message to compare',
    };
  }
  return {
    message: said,
    fix: 'compare WECHATPAY_MCHID, WECHATPAY_MERCHANT_SERIAL and WECHATPAY_PRIVATE_KEY_PATH with the merchant platform',
  };
}

/** Verifies a signed answer with `key`; false when it does not. */
function verifies(res: ApiResponse, key: KeyObject): boolean {
  const ts = res.headers['wechatpay-timestamp'];
  const nonce = res.headers['wechatpay-nonce'];
  const sig = res.headers['wechatpay-signature'];
  if (!ts || !nonce || !sig) return false;
  return verifySha256Rsa(key, buildResponseMessage(ts, nonce, res.text), sig);
}

async function measureClock(base: string, nowMs: () => number): Promise<{ offsetMs: number } | { error: string }> {
  const started = nowMs();
  let res: Response;
  try {
    res = await fetch(`${base.replace(/\/+$/, '')}/v3/global/certificates`, {
      headers: { Accept: 'application/json', 'User-Agent': 'wxpay-doctor' },
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
  } catch (err) {
    return { error: `cannot reach ${base}: ${errText((err as { cause?: unknown }).cause ?? err)}` };
  }
  const ended = nowMs();
  const date = Date.parse(res.headers.get('date') ?? '');
  if (Number.isNaN(date)) return { error: `${base} sent no Date header` };
  // The Date header has whole seconds: compare with the middle of the round trip, floored the same way.
  return { offsetMs: date - Math.floor((started + ended) / 2 / 1000) * 1000 };
}

async function checkService(
  report: Report,
  config: Config,
  key: KeyObject | undefined,
  apiV3Bytes: number,
  nowMs: () => number,
): Promise<void> {
  const mode = verificationMode(config);
  const apiV3Fix =
    'copy the 32-character APIv3 key set on the merchant platform (Account Center > API security > APIv3 key) into WECHATPAY_APIV3_KEY';
  const apiV3Ok = apiV3Bytes === 32;

  // --- the clock, from the service's Date header (no credentials needed) ---
  const clock = await measureClock(config.WECHATPAY_BASE_URL, nowMs);
  if ('error' in clock) {
    report.add('clock', 'fail', clock.error, 'check WECHATPAY_BASE_URL and that this machine can reach it (proxy, firewall, DNS)');
    for (const id of ['credentials', 'platform-certificates', 'public-key'] as const)
      report.add(id, 'skip', 'the service cannot be reached');
    if (!apiV3Ok) report.add('apiv3-key', 'fail', `WECHATPAY_APIV3_KEY has ${apiV3Bytes} bytes, 32 are needed`, apiV3Fix);
    else report.add('apiv3-key', 'ok', '32 bytes (not proven: the service cannot be reached)');
    return;
  }
  const skewS = Math.round(clock.offsetMs / 1000);
  const skewText = `this machine is ${Math.abs(skewS)} s ${skewS > 0 ? 'behind' : 'ahead of'} the service's Date header`;
  if (Math.abs(skewS) > SIGNATURE_WINDOW_SECONDS) {
    report.add(
      'clock',
      'fail',
      `${skewText}: more than the ${SIGNATURE_WINDOW_SECONDS} s signature window, every request would be refused (SIGN_ERROR) and every answer rejected`,
      'synchronise the clock (NTP: timedatectl set-ntp true, or chrony)',
    );
  } else if (Math.abs(skewS) > 30) {
    report.add(
      'clock',
      'warn',
      `${skewText}: within the ${SIGNATURE_WINDOW_SECONDS} s window, but drifting`,
      'synchronise the clock (NTP)',
    );
  } else {
    report.add('clock', 'ok', `within ${Math.max(1, Math.abs(skewS))} s of the service`);
  }

  // --- signed calls ---
  let publicKey: { id: string; key: KeyObject } | undefined;
  let publicKeyProblem: string | undefined;
  if (mode !== 'certificates') {
    try {
      publicKey = { id: config.WECHATPAY_PUBLIC_KEY_ID!, key: createPublicKey(readFileSync(config.WECHATPAY_PUBLIC_KEY_PATH!)) };
    } catch (err) {
      publicKeyProblem = `cannot load WECHATPAY_PUBLIC_KEY_PATH=${config.WECHATPAY_PUBLIC_KEY_PATH}: ${errText(err)}`;
    }
  }
  const localBlock = !key ? 'private-key' : report.failed('merchant-certificate') ? 'merchant-certificate' : undefined;
  if (localBlock || !key) {
    report.add('credentials', 'skip', `fix ${localBlock} first`);
    report.add('platform-certificates', 'skip', `fix ${localBlock} first`);
    report.add(
      'public-key',
      publicKeyProblem ? 'fail' : 'skip',
      publicKeyProblem ?? `fix ${localBlock} first`,
      publicKeyProblem ? 'point it at the public key file (pub_key.pem) downloaded with the public key id' : undefined,
    );
    report.add(
      'apiv3-key',
      apiV3Ok ? 'ok' : 'fail',
      apiV3Ok ? '32 bytes (not proven: no signed call was made)' : `WECHATPAY_APIV3_KEY has ${apiV3Bytes} bytes, 32 are needed`,
      apiV3Ok ? undefined : apiV3Fix,
    );
    return;
  }
  const client = doctorClient(config, key, clock.offsetMs, publicKey);
  try {
    // The certificate list proves mchid, serial and key (and, decrypted, the APIv3 key). In public key mode the
    // merchant has no certificates: a query for an order that cannot exist proves the first three.
    let certs: ApiResponse | undefined;
    let noCertificates = false;
    let credentialsProof = '';
    try {
      certs = await client.core.call({ method: 'GET', path: '/v3/global/certificates', idempotent: true, verify: 'none' });
      credentialsProof = 'GET /v3/global/certificates accepted';
    } catch (err) {
      if (isWechatPayError(err, 'RESOURCE_NOT_EXISTS') || (err instanceof WechatPayError && err.status === 404)) {
        noCertificates = true;
        credentialsProof = 'the service accepted the signature (it has no platform certificate for this merchant)';
      } else if (err instanceof WechatPayError && err.code === 'SIGN_ERROR') {
        const e = explainSignError(err, config);
        report.add('credentials', 'fail', e.message, e.fix);
      } else {
        report.add(
          'credentials',
          'fail',
          `GET /v3/global/certificates failed: ${errText(err)}`,
          'check WECHATPAY_BASE_URL and the network',
        );
      }
    }
    if (noCertificates && !report.get('credentials')) {
      const outTradeNo = `DOCTOR${randomBytes(10).toString('hex').toUpperCase()}`;
      try {
        await client.queryOrderByOutTradeNo(outTradeNo);
        report.add('credentials', 'warn', `a query for ${outTradeNo}, which cannot exist, found an order`);
      } catch (err) {
        if (isWechatPayError(err, ['ORDER_NOT_EXIST', 'ORDERNOTEXIST']))
          credentialsProof = `a signed query answered ORDER_NOT_EXIST as expected`;
        else if (err instanceof WechatPayError && err.code === 'SIGN_ERROR') {
          const e = explainSignError(err, config);
          report.add('credentials', 'fail', e.message, e.fix);
        } else if (err instanceof WechatPayError && err.kind === 'api') {
          report.add(
            'credentials',
            'fail',
            `a signed query answered ${err.status} ${err.code}: ${err.message}`,
            'check WECHATPAY_MCHID, WECHATPAY_SUB_MCHID and WECHATPAY_APPID against the merchant platform',
          );
        } else report.add('credentials', 'fail', `a signed query failed: ${errText(err)}`);
      }
    }
    const credentialsOk = !report.get('credentials');
    if (credentialsOk)
      report.add(
        'credentials',
        'ok',
        `mchid ${config.WECHATPAY_MCHID}, serial ${config.WECHATPAY_MERCHANT_SERIAL} and the private key work together: ${credentialsProof}`,
      );

    // --- platform certificates and the APIv3 key ---
    let apiV3Proven: boolean | undefined;
    if (certs) {
      const decrypted: { serial: string; cert: X509Certificate }[] = [];
      let list: CertificateList | undefined;
      try {
        list = JSON.parse(certs.text) as CertificateList;
      } catch {
        /* reported below */
      }
      try {
        for (const item of list?.data ?? []) {
          const e = item.encrypt_certificate;
          const pem = decryptAesGcm(config.WECHATPAY_APIV3_KEY, e.nonce, e.associated_data ?? '', e.ciphertext);
          const cert = new X509Certificate(pem);
          decrypted.push({ serial: cert.serialNumber.toUpperCase(), cert });
        }
        apiV3Proven = decrypted.length > 0;
      } catch {
        apiV3Proven = false;
      }
      if (apiV3Proven === false) {
        report.add('platform-certificates', 'skip', 'the certificates cannot be decrypted without the right APIv3 key');
      } else if (!list?.data?.length) {
        report.add(
          'platform-certificates',
          mode === 'certificates' ? 'fail' : 'warn',
          'the service listed no platform certificate',
          'set WECHATPAY_PUBLIC_KEY_ID and WECHATPAY_PUBLIC_KEY_PATH (public key mode)',
        );
      } else {
        const signedBy = (certs.headers['wechatpay-serial'] ?? '').toUpperCase();
        const signer = decrypted.find((c) => c.serial === signedBy);
        const sigOk = signer
          ? verifies(certs, signer.cert.publicKey)
          : publicKey && signedBy === publicKey.id.toUpperCase()
            ? verifies(certs, publicKey.key)
            : false;
        const nowAt = nowMs() + clock.offsetMs;
        const newest = decrypted.reduce((a, b) => (new Date(b.cert.validFrom) > new Date(a.cert.validFrom) ? b : a));
        const watched = signer ?? newest;
        const expires = new Date(watched.cert.validTo).getTime();
        const serials = decrypted.map((c) => c.serial).join(', ');
        if (!sigOk) {
          report.add(
            'platform-certificates',
            'fail',
            `the certificate list is signed by ${signedBy || '(no Wechatpay-Serial)'}, and that signature does not verify with the certificates it carries (${serials})`,
            'something between this machine and WeChat Pay alters answers (a proxy?); check WECHATPAY_BASE_URL',
          );
        } else if (expires - nowAt < CERTIFICATE_MIN_REMAINING_DAYS * DAY) {
          report.add(
            'platform-certificates',
            'fail',
            `platform certificate ${watched.serial} ${expires <= nowAt ? 'has expired' : 'expires'} on ${new Date(expires).toISOString()}, within ${CERTIFICATE_MIN_REMAINING_DAYS} days`,
            'WeChat Pay publishes a new certificate before the old one expires and the backend picks it up by itself (it downloads the list every 12 h); if none newer is listed, ask WeChat Pay, or move to the WeChat Pay public key',
          );
        } else {
          report.add(
            'platform-certificates',
            'ok',
            `${decrypted.length} certificate(s) (${serials}); the list is signed and verifies; ${watched.serial} is valid until ${day(expires)}`,
          );
        }
      }
    } else if (noCertificates) {
      if (mode === 'public_key')
        report.add(
          'platform-certificates',
          'skip',
          'not used: the merchant has no platform certificate, WeChat Pay signs with its public key',
        );
      else {
        report.add(
          'platform-certificates',
          mode === 'certificates' ? 'fail' : 'warn',
          'WeChat Pay has no platform certificate for this merchant (404 RESOURCE_NOT_EXISTS): it signs with a WeChat Pay public key',
          'download the public key and its id (merchant platform > API security > WeChat Pay public key), set WECHATPAY_PUBLIC_KEY_ID and WECHATPAY_PUBLIC_KEY_PATH, and WECHATPAY_VERIFY_WITH=public_key',
        );
      }
    } else {
      report.add('platform-certificates', 'skip', 'needs the signed call to succeed');
    }

    if (!apiV3Ok) report.add('apiv3-key', 'fail', `WECHATPAY_APIV3_KEY has ${apiV3Bytes} bytes, 32 are needed`, apiV3Fix);
    else if (apiV3Proven === true) report.add('apiv3-key', 'ok', '32 bytes, and it decrypts the platform certificates');
    else if (apiV3Proven === false)
      report.add(
        'apiv3-key',
        'fail',
        "WECHATPAY_APIV3_KEY does not decrypt the certificate list WeChat Pay sent (AES-GCM tag mismatch): it is not this merchant's APIv3 key",
        apiV3Fix,
      );
    else
      report.add(
        'apiv3-key',
        'ok',
        `32 bytes (${noCertificates ? 'not provable without platform certificates: the first notification proves it' : 'not proven: no signed call succeeded'})`,
      );

    // --- the public key: the id the service signs with, and the signature ---
    if (mode === 'certificates') {
      report.add(
        'public-key',
        'skip',
        config.WECHATPAY_PUBLIC_KEY_ID
          ? 'configured but not used (WECHATPAY_VERIFY_WITH=certificates)'
          : 'not used (no WECHATPAY_PUBLIC_KEY_ID)',
      );
    } else if (publicKeyProblem || !publicKey) {
      report.add(
        'public-key',
        'fail',
        publicKeyProblem ?? 'no public key',
        'point WECHATPAY_PUBLIC_KEY_PATH at the public key file (pub_key.pem) downloaded with the id',
      );
    } else if (!credentialsOk) {
      report.add('public-key', 'skip', 'needs the signed call to succeed');
    } else {
      await checkPublicKey(report, client, publicKey, mode);
    }
  } finally {
    client.close();
  }
}

async function checkPublicKey(
  report: Report,
  client: WechatPayClient,
  pub: { id: string; key: KeyObject },
  mode: 'public_key' | 'both',
): Promise<void> {
  // A cheap signed 2xx: the unsettled settlement batches (read only), asked a few times because during the
  // switch-over an answer may be signed with a certificate instead.
  const sub = client.identity.mode === 'institution' ? client.identity.subMchid : undefined;
  let lastSerial = '';
  for (let i = 0; i < 4; i++) {
    let res: ApiResponse;
    try {
      res = await client.core.call({
        method: 'GET',
        path: '/v3/global/settle/settlements',
        query: { sub_mchid: sub, settle_state: 'UNSETTLE', offset: 0, limit: 1 },
        idempotent: true,
        verify: 'none',
      });
    } catch (err) {
      report.add(
        'public-key',
        'warn',
        `no signed answer to check the public key with: ${errText(err)}`,
        'the first notification will tell; or run `wxpay call GET ...` on any query that answers 200',
      );
      return;
    }
    const serial = res.headers['wechatpay-serial'] ?? '';
    lastSerial = serial;
    if (serial === pub.id) {
      if (verifies(res, pub.key))
        report.add('public-key', 'ok', `WeChat Pay signs with ${pub.id}, and the signature verifies with WECHATPAY_PUBLIC_KEY_PATH`);
      else
        report.add(
          'public-key',
          'fail',
          `WeChat Pay signs with ${pub.id}, but the key in WECHATPAY_PUBLIC_KEY_PATH does not verify its signature: the file holds another key`,
          `download the public key of ${pub.id} again (merchant platform > API security > WeChat Pay public key)`,
        );
      return;
    }
    if (/^PUB_KEY_ID_/.test(serial)) {
      const fileMatches = verifies(res, pub.key);
      report.add(
        'public-key',
        'fail',
        `WeChat Pay signs with ${serial}, but WECHATPAY_PUBLIC_KEY_ID is ${pub.id}${fileMatches ? ' (the key file does verify it: only the id is wrong)' : ' (and the key file does not verify it either)'}`,
        fileMatches
          ? `set WECHATPAY_PUBLIC_KEY_ID=${serial}`
          : `set WECHATPAY_PUBLIC_KEY_ID=${serial} and download its public key into WECHATPAY_PUBLIC_KEY_PATH`,
      );
      return;
    }
  }
  report.add(
    'public-key',
    mode === 'public_key' ? 'fail' : 'warn',
    `WeChat Pay still signs with platform certificate ${lastSerial || '(none)'}, not with ${pub.id}`,
    mode === 'public_key'
      ? 'keep WECHATPAY_VERIFY_WITH=both until WeChat Pay has switched this merchant to the public key'
      : 'nothing to do yet: the backend trusts both while WeChat Pay switches',
  );
}

async function checkDatabase(report: Report, config: Config): Promise<void> {
  // autoIndex and autoCreate off: looking must not build what is missing.
  const conn = mongoose.createConnection(config.MONGODB_URI, { serverSelectionTimeoutMS: 5000, autoIndex: false, autoCreate: false });
  try {
    await conn.asPromise();
    const hello = (await conn.db!.admin().command({ hello: 1 })) as { setName?: string; msg?: string };
    if (hello.setName) report.add('mongodb', 'ok', `reachable, replica set ${hello.setName}`);
    else {
      report.add(
        'mongodb',
        'warn',
        `reachable, but a standalone server${hello.msg === 'isdbgrid' ? ' (mongos)' : ''}: no failover if it stops`,
        'for production use a replica set (or Atlas); the backend needs no transactions, so a standalone works but is a single point of failure',
      );
    }
  } catch (err) {
    report.add('mongodb', 'fail', `cannot reach MONGODB_URI: ${errText(err)}`, 'check MONGODB_URI (host, credentials, TLS, network)');
    report.add('indexes', 'skip', 'the database cannot be reached');
    await conn.close().catch(() => undefined);
    return;
  }
  try {
    const missing: string[] = [];
    let declared = 0;
    for (const factory of MODEL_FACTORIES) {
      const Model = factory(conn) as unknown as mongoose.Model<unknown>;
      const existing = await Model.collection
        .listIndexes()
        .toArray()
        .catch((err: { codeName?: string; code?: number }) => {
          if (err.codeName === 'NamespaceNotFound' || err.code === 26) return [];
          throw err;
        });
      const have = new Map(existing.map((ix) => [JSON.stringify(ix.key), ix as { unique?: boolean }]));
      for (const [fields, options] of Model.schema.indexes()) {
        declared++;
        const ix = have.get(JSON.stringify(fields));
        const unique = Boolean((options as { unique?: boolean }).unique);
        if (!ix) missing.push(`${Model.collection.collectionName} ${JSON.stringify(fields)}${unique ? ' unique' : ''}`);
        else if (unique && !ix.unique)
          missing.push(`${Model.collection.collectionName} ${JSON.stringify(fields)} exists but is not unique`);
      }
    }
    if (missing.length) {
      report.add(
        'indexes',
        'fail',
        `${missing.length} of ${declared} declared indexes missing: ${missing.join('; ')}`,
        'start the backend once against this database (it builds its indexes at start), or create them with createIndex',
      );
    } else {
      report.add('indexes', 'ok', `all ${declared} declared indexes exist`);
    }
  } catch (err) {
    report.add('indexes', 'fail', `cannot list indexes: ${errText(err)}`, 'the database user needs the listIndexes privilege');
  } finally {
    await conn.close().catch(() => undefined);
  }
}
