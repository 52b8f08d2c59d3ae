// The `wxpay` command run as a real process; signatures compared with openssl when it is on PATH.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate } from '../../server/sandbox/keys/certificates';
import { buildResponseMessage, encryptAesGcm, loadPrivateKey, randomNonce, signSha256RsaSync } from '../../server/src/wechatpay/crypto';
import { API_V3_KEY, FakeWechatPay } from '../unit/wechatpay/support/fake-wechatpay';

const BIN = join(__dirname, '../../bin/wxpay.js');
const dir = mkdtempSync(join(tmpdir(), 'wxpay-cli-'));
const merchant = issueCertificate({ commonName: 'merchant' });
const keyPath = join(dir, 'apiclient_key.pem');
writeFileSync(keyPath, merchant.privateKeyPem, { mode: 0o600 });
const env = {
  PATH: process.env.PATH,
  WECHATPAY_MCHID: '1900000109',
  WECHATPAY_MERCHANT_SERIAL: merchant.serial,
  WECHATPAY_PRIVATE_KEY_PATH: keyPath,
  WECHATPAY_APIV3_KEY: API_V3_KEY,
};

function wxpay(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
function opensslSign(message: string): string {
  const sig = execFileSync('openssl', ['dgst', '-sha256', '-sign', keyPath], { input: message });
  return sig.toString('base64');
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wxpay sign / paysign', () => {
  (hasOpenssl ? it : it.skip)('sign equals openssl dgst -sha256 -sign over the printed message', () => {
    const r = wxpay(['sign', '--method', 'POST', '--url', '/v3/global/refunds', '--body', '{"out_refund_no":"R1"}', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.message).toMatch(/^POST\n\/v3\/global\/refunds\n\d{10}\n[0-9A-Za-z]{32}\n\{"out_refund_no":"R1"\}\n$/);
    expect(out.signature).toBe(opensslSign(out.message));
    expect(out.authorization).toContain(`signature="${out.signature}"`);
    expect(out.authorization).toContain('mchid="1900000109"');
  });

  (hasOpenssl ? it : it.skip)('human output shows the message and the Authorization header; fixed timestamp/nonce reproduce', () => {
    const args = ['sign', '--method', 'get', '--url', '/v3/global/certificates', '--timestamp', '1700000000', '--nonce', 'abc'];
    const r = wxpay(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('message (JSON-escaped): "GET\\n/v3/global/certificates\\n1700000000\\nabc\\n\\n"');
    const sig = /signature: (\S+)/.exec(r.stdout)![1]!;
    expect(sig).toBe(opensslSign('GET\n/v3/global/certificates\n1700000000\nabc\n\n'));
    expect(r.stdout).toContain(`Authorization: WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="abc",timestamp="1700000000"`);
  });

  (hasOpenssl ? it : it.skip)('paysign equals openssl over appId\\ntimeStamp\\nnonceStr\\npackage\\n', () => {
    const r = wxpay(['paysign', '--appid', 'wx8888888888888888', '--prepay-id', 'wx201410272009395522657a690389285100', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.message).toBe(`wx8888888888888888\n${out.timeStamp}\n${out.nonceStr}\nprepay_id=wx201410272009395522657a690389285100\n`);
    expect(out.signType).toBe('RSA');
    expect(out.paySign).toBe(opensslSign(out.message));
  });

  it.each([
    [['sign', '--url', '/x'], /missing --method/],
    [['sign', '--method', 'GET', '--url', 'https://host/x'], /starting with "\/"/],
    [['paysign', '--appid', 'wx1'], /missing --prepay-id/],
    [['bogus'], /unknown command/],
    [['sign', '--no-such-flag'], /Unknown option/],
    [['decrypt', '--nonce', 'n'], /missing --ciphertext/],
    [['call', 'DELETE', '/v3/x'], /GET or POST/],
  ])('exits 2 with a clear message for %p', (args, message) => {
    const r = wxpay(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 2 when the key is missing or unreadable', () => {
    const r = wxpay(['sign', '--method', 'GET', '--url', '/x'], { WECHATPAY_PRIVATE_KEY_PATH: join(dir, 'nope.pem') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read private key/);
    const r2 = spawnSync(process.execPath, [BIN, 'sign', '--method', 'GET', '--url', '/x'], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/WECHATPAY_MCHID/);
  });
});

describe('wxpay verify / decrypt', () => {
  const platform = issueCertificate({ commonName: 'platform' });
  const certPath = join(dir, 'platform.pem');
  writeFileSync(certPath, platform.certificatePem);

  it('verifies a good signature (exit 0) and rejects a bad one (exit 1)', () => {
    const body = '{"a":1}';
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = signSha256RsaSync(loadPrivateKey(platform.privateKeyPem), buildResponseMessage(ts, 'N', body));
    const ok = wxpay(['verify', '--timestamp', ts, '--nonce', 'N', '--signature', sig, '--body', body, '--cert', certPath]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('VALID');
    const bad = wxpay(['verify', '--timestamp', ts, '--nonce', 'N', '--signature', sig, '--body', '{"a":2}', '--cert', certPath]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('INVALID');
  });

  it('decrypts a notification resource and fails on tampering', () => {
    const nonce = randomNonce(12);
    const resource = {
      algorithm: 'AEAD_AES_256_GCM',
      nonce,
      associated_data: 'transaction',
      ciphertext: encryptAesGcm(API_V3_KEY, nonce, 'transaction', '{"id":"42"}'),
    };
    const file = join(dir, 'notification.json');
    writeFileSync(file, JSON.stringify({ id: 'EV-1', resource }));
    const r = wxpay(['decrypt', '--resource', `@${file}`]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('{"id":"42"}');
    const t = wxpay(['decrypt', '--nonce', nonce, '--associated-data', 'refund', '--ciphertext', resource.ciphertext]);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/decryption failed/);
  });
});

describe('wxpay certs / call against a local signing server', () => {
  let fake: FakeWechatPay;
  beforeAll(async () => {
    fake = await new FakeWechatPay().start();
  });
  afterAll(() => fake.stop());

  // spawnSync would block the event loop that serves the fake: run the CLI asynchronously.
  function wxpayAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    return new Promise((resolve) => {
      const p = spawn(process.execPath, [BIN, ...args], { env: { ...env, WECHATPAY_BASE_URL: fake.url } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('certs downloads, verifies and prints the decrypted certificates', async () => {
    const r = await wxpayAsync(['certs']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`# serial ${fake.platform.serial}`);
    expect(r.stdout).toContain(fake.platform.certificatePem.trim());
  });

  it('call sends a signed request and reports a verified answer, or a forged one with exit 1', async () => {
    fake.handler = () => ({ body: '{"id":"42","trade_state":"SUCCESS"}' });
    const ok = await wxpayAsync(['call', 'GET', '/v3/global/transactions/id/42?mchid=1900000109']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('HTTP 200 (signature verified)');
    expect(ok.stdout).toContain('"trade_state":"SUCCESS"');
    expect(fake.requests.some((r) => r.url === '/v3/global/transactions/id/42?mchid=1900000109')).toBe(true);
    fake.handler = () => ({ body: '{"id":"42"}', signWith: false });
    const forged = await wxpayAsync(['call', 'GET', '/v3/global/transactions/id/42?mchid=1900000109']);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/NOT trusted/);
    fake.handler = () => ({ status: 401, signWith: false, body: '{"code":"SIGN_ERROR","message":"错误的签名，导致验签失败"}' });
    const err = await wxpayAsync(['call', 'POST', '/v3/global/refunds', '{"x":1}']);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/SIGN_ERROR/);
    expect(err.stderr).toMatch(/HTTP 401/);
  });
});
