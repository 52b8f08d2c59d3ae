// `wxpay doctor` against a real sandbox process and a real database: a correct configuration passes, and each
// misconfiguration made on purpose fails exactly the check that names it, with a message that says how to fix it.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connectDatabase } from '../../server/src/storage/mongo/connection';
import { runDoctor, type CheckResult } from '../../server/src/doctor/checks';
import { doctorMain } from '../../server/src/doctor/main';
import { createMongoStorage } from '../../server/src/storage/mongo';
import { dropDatabase, testDatabaseUri } from '../support/db';
import { startSandboxProcess, type SandboxMerchant, type SandboxProcess } from '../support/sandbox-process';

const ROOT = resolve(__dirname, '..', '..');
let sandbox: SandboxProcess;
let dbUri: string;

beforeAll(async () => {
  sandbox = await startSandboxProcess();
  dbUri = testDatabaseUri('doctor');
  // The indexes the backend builds at start.
  const conn = await connectDatabase(dbUri);
  await createMongoStorage(conn).init();
  await conn.close();
});
afterAll(async () => {
  await sandbox?.stop();
  if (dbUri) await dropDatabase(dbUri).catch(() => undefined);
});

function envFor(m: SandboxMerchant, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {
    MONGODB_URI: dbUri,
    JWT_SECRET: randomBytes(32).toString('hex'),
    WECHATPAY_BASE_URL: sandbox.baseUrl,
    WECHATPAY_MODE: m.mode,
    WECHATPAY_MCHID: m.mchid,
    WECHATPAY_APPID: m.appid,
    WECHATPAY_SUB_MCHID: m.subMchid,
    WECHATPAY_SUB_APPID: m.subAppid,
    WECHATPAY_MERCHANT_SERIAL: m.serial,
    WECHATPAY_PRIVATE_KEY_PATH: m.privateKeyPath,
    WECHATPAY_APIV3_KEY: m.apiV3Key,
    WECHATPAY_NOTIFY_BASE_URL: 'http://127.0.0.1:3000',
    WECHAT_APP_SECRET: m.appSecret,
    SANDBOX: 'true',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e) => e[1] !== undefined));
}

const direct = () => sandbox.config.direct;
const certPath = () => sandbox.config.keys.direct.certificatePath;
const failed = (r: CheckResult[]) => r.filter((c) => c.status === 'fail').map((c) => c.id);
const check = (r: CheckResult[], id: string) => r.find((c) => c.id === id)!;

test('a correct configuration passes: every check ok, the sandbox notify URL and a standalone database only warn', async () => {
  const r = await runDoctor(envFor(direct(), { WECHATPAY_MERCHANT_CERT_PATH: certPath() }));
  expect(failed(r)).toEqual([]);
  for (const id of [
    'private-key',
    'merchant-certificate',
    'apiv3-key',
    'appid',
    'clock',
    'credentials',
    'platform-certificates',
    'indexes',
  ]) {
    expect(check(r, id).status).toBe('ok');
  }
  expect(check(r, 'apiv3-key').message).toMatch(/decrypts the platform certificates/);
  expect(check(r, 'notify-url')).toMatchObject({ status: 'warn' });
  expect(check(r, 'notify-url').message).toMatch(/not https.*cannot be reached.*sandbox/);
  expect(['ok', 'warn']).toContain(check(r, 'mongodb').status);
  expect(check(r, 'public-key').status).toBe('skip');
  const lines: string[] = [];
  expect(await doctorMain(['--no-db'], envFor(direct()), (s) => lines.push(s))).toBe(0);
  expect(lines.join('')).toMatch(/^ok +credentials +mchid/m);
});

test('wrong serial: the signed call fails and says which serial to use', async () => {
  const r = await runDoctor(envFor(direct(), { WECHATPAY_MERCHANT_SERIAL: '1234567890ABCDEF1234567890ABCDEF12345678' }), {
    skipDatabase: true,
  });
  expect(failed(r)).toEqual(['credentials']);
  expect(check(r, 'credentials').message).toMatch(/SIGN_ERROR.*WECHATPAY_MERCHANT_SERIAL=1234567890ABCDEF/);
  expect(check(r, 'credentials').fix).toMatch(/openssl x509 .* -serial/);
  // With the certificate at hand the mistake is found locally, and the signed call is not even tried.
  const withCert = await runDoctor(
    envFor(direct(), { WECHATPAY_MERCHANT_SERIAL: '1234567890ABCDEF1234567890ABCDEF12345678', WECHATPAY_MERCHANT_CERT_PATH: certPath() }),
    { skipDatabase: true },
  );
  expect(failed(withCert)).toEqual(['merchant-certificate']);
  expect(check(withCert, 'merchant-certificate').fix).toContain(`WECHATPAY_MERCHANT_SERIAL=${direct().serial}`);
  expect(check(withCert, 'credentials').status).toBe('skip');
});

test('a private key of another merchant: the signature does not verify', async () => {
  const other = sandbox.config.institution.privateKeyPath;
  const r = await runDoctor(envFor(direct(), { WECHATPAY_PRIVATE_KEY_PATH: other }), { skipDatabase: true });
  expect(failed(r)).toEqual(['credentials']);
  expect(check(r, 'credentials').message).toMatch(/does not verify.*WECHATPAY_PRIVATE_KEY_PATH is not that certificate's key/);
  const withCert = await runDoctor(envFor(direct(), { WECHATPAY_PRIVATE_KEY_PATH: other, WECHATPAY_MERCHANT_CERT_PATH: certPath() }), {
    skipDatabase: true,
  });
  expect(failed(withCert)).toEqual(['merchant-certificate']);
  expect(check(withCert, 'merchant-certificate').message).toMatch(/private key does not belong to this certificate/);
});

test('a wrong APIv3 key: the certificate list does not decrypt', async () => {
  const r = await runDoctor(envFor(direct(), { WECHATPAY_APIV3_KEY: 'x'.repeat(32) }), { skipDatabase: true });
  expect(failed(r)).toEqual(['apiv3-key']);
  expect(check(r, 'apiv3-key').message).toMatch(/does not decrypt/);
  expect(check(r, 'credentials').status).toBe('ok');
});

test("a skewed clock: only the clock check fails (the signed calls use the service's time)", async () => {
  await sandbox.admin.clockSkew(900);
  try {
    const r = await runDoctor(envFor(direct()), { skipDatabase: true });
    expect(failed(r)).toEqual(['clock']);
    expect(check(r, 'clock').message).toMatch(/(899|900|901) s behind.*300 s/);
    expect(check(r, 'clock').fix).toMatch(/NTP/);
  } finally {
    await sandbox.admin.clockSkew(0);
  }
});

test('public key mode: the id and the file agree; a wrong id or another key file fail the public-key check', async () => {
  const inst = sandbox.config.institution;
  await sandbox.admin.signWith(inst.mchid, 'public_key');
  const pk = { WECHATPAY_PUBLIC_KEY_ID: inst.publicKeyId, WECHATPAY_PUBLIC_KEY_PATH: inst.publicKeyPath };
  const good = await runDoctor(envFor(inst, pk), { skipDatabase: true });
  expect(failed(good)).toEqual([]);
  expect(check(good, 'public-key')).toMatchObject({ status: 'ok' });
  expect(check(good, 'credentials').message).toMatch(/ORDER_NOT_EXIST/);
  expect(check(good, 'platform-certificates').status).toBe('skip');

  const wrongId = 'PUB_KEY_ID_0100000000000000000000000000';
  const mismatch = await runDoctor(envFor(inst, { ...pk, WECHATPAY_PUBLIC_KEY_ID: wrongId }), { skipDatabase: true });
  expect(failed(mismatch)).toEqual(['public-key']);
  expect(check(mismatch, 'public-key').message).toContain(`signs with ${inst.publicKeyId}, but WECHATPAY_PUBLIC_KEY_ID is ${wrongId}`);
  expect(check(mismatch, 'public-key').fix).toBe(`set WECHATPAY_PUBLIC_KEY_ID=${inst.publicKeyId}`);

  const otherFile = await runDoctor(envFor(inst, { ...pk, WECHATPAY_PUBLIC_KEY_PATH: direct().publicKeyPath }), { skipDatabase: true });
  expect(failed(otherFile)).toEqual(['public-key']);
  expect(check(otherFile, 'public-key').message).toMatch(/does not verify its signature/);

  // A backend still on certificates is told the merchant has none.
  const stale = await runDoctor(envFor(inst), { skipDatabase: true });
  expect(failed(stale)).toEqual(['platform-certificates']);
  expect(check(stale, 'platform-certificates').fix).toMatch(/WECHATPAY_PUBLIC_KEY_ID/);

  // The switch-over: both configured, WeChat Pay signing with either.
  await sandbox.admin.signWith(inst.mchid, 'both');
  const both = await runDoctor(envFor(inst, { ...pk, WECHATPAY_VERIFY_WITH: 'both' }), { skipDatabase: true });
  expect(failed(both)).toEqual([]);
  expect(check(both, 'platform-certificates').status).toBe('ok');
  expect(check(both, 'public-key').status).toBe('ok');
  await sandbox.admin.signWith(inst.mchid, 'certificate');
});

test('a missing index fails the indexes check and names it', async () => {
  const conn = await connectDatabase(dbUri);
  await conn.db!.collection('products').dropIndex('sku_1');
  await conn.close();
  const r = await runDoctor(envFor(direct()));
  expect(failed(r)).toEqual(['indexes']);
  expect(check(r, 'indexes').message).toMatch(/products \{"sku":1\} unique/);
});

test('a platform certificate expiring within 7 days fails that check; the CLI exits 1 and prints the fix', async () => {
  await sandbox.admin.rotate({ valid_seconds: 2 * 86400 });
  const env = envFor(direct());
  const r = await runDoctor(env, { skipDatabase: true });
  expect(failed(r)).toEqual(['platform-certificates']);
  expect(check(r, 'platform-certificates').message).toMatch(/expires on .*within 7 days/);

  const child = spawn(process.execPath, ['bin/wxpay.js', 'doctor', '--no-db'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  expect(code).toBe(1);
  expect(out).toMatch(/^FAIL {2}platform-certificates {2}platform certificate [0-9A-F]{40} expires/m);
  expect(out).toMatch(/fix: WeChat Pay publishes a new certificate/);
});
