// Platform certificate download, rotation and single-flight refresh against a local signing server.
import { generateKeyPairSync } from 'node:crypto';
import { issueCertificate } from '../../server/sandbox/keys/certificates';
import { WechatPayClient, type WechatPayClientOptions } from '../../server/src/wechatpay';
import { buildResponseMessage, decryptOaep, loadPrivateKey, randomNonce, signSha256RsaSync } from '../../server/src/wechatpay/crypto';
import { API_V3_KEY, FakeWechatPay } from '../unit/wechatpay/support/fake-wechatpay';

const merchant = issueCertificate({ commonName: 'merchant' });
let fake: FakeWechatPay;
const clients: WechatPayClient[] = [];

beforeEach(async () => {
  fake = await new FakeWechatPay().start();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await fake.stop();
});

function client(extra: Partial<WechatPayClientOptions> = {}): WechatPayClient {
  const c = new WechatPayClient({
    mode: 'direct',
    mchid: '1900000109',
    appid: 'wxd678efh567hg6787',
    merchantSerial: merchant.serial,
    privateKey: merchant.privateKeyPem,
    apiV3Key: API_V3_KEY,
    baseUrl: fake.url,
    timeoutMs: 2000,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...extra,
  } as WechatPayClientOptions);
  clients.push(c);
  return c;
}

const tx = JSON.stringify({ id: '42', out_trade_no: 'T1', trade_state: 'NOTPAY' });

describe('certificate manager', () => {
  it('bootstraps from the first download, then verifies answers by serial', async () => {
    fake.handler = () => ({ body: tx });
    const c = client();
    await expect(c.queryOrderById('42')).resolves.toMatchObject({ trade_state: 'NOTPAY' });
    expect(fake.certificateDownloads).toBe(1);
    await c.queryOrderById('42');
    expect(fake.certificateDownloads).toBe(1);
    expect(c.certificates!.list().map((x) => x.serial)).toEqual([fake.platform.serial]);
  });

  it('downloads once for many concurrent waiters on an unknown serial, and trusts old and new during rotation', async () => {
    fake.handler = () => ({ body: tx });
    const c = client();
    await c.queryOrderById('42');
    const old = fake.platform;
    const next = issueCertificate({ commonName: 'platform B' });
    fake.served = [old, next];
    fake.certificateDelayMs = 100;
    fake.handler = () => ({ body: tx, signWith: next });
    const results = await Promise.all(Array.from({ length: 20 }, () => c.queryOrderById('42')));
    expect(results).toHaveLength(20);
    expect(fake.certificateDownloads).toBe(2);
    // Both certificates are trusted now: answers signed by either verify.
    fake.handler = (_r, n) => ({ body: tx, signWith: n % 2 ? old : next });
    await Promise.all([c.queryOrderById('1'), c.queryOrderById('2'), c.queryOrderById('3')]);
    expect(fake.certificateDownloads).toBe(2);
  });

  it('rejects a later download signed by a certificate not yet trusted, keeping the old trust', async () => {
    fake.handler = () => ({ body: tx });
    const c = client();
    await c.queryOrderById('42');
    const rogue = issueCertificate({ commonName: 'rogue' });
    fake.served = [rogue];
    fake.certificateSigner = rogue; // encrypted with the right key, signed only by what it introduces
    await expect(c.certificates!.refresh()).rejects.toMatchObject({ kind: 'signature', detail: { reason: 'unknown_serial' } });
    expect(c.certificates!.list().map((x) => x.serial)).toEqual([fake.platform.serial]);
    await expect(c.queryOrderById('42')).resolves.toMatchObject({ id: '42' });
  });

  it('refreshes in the background when the trusted certificate is about to expire', async () => {
    const soon = issueCertificate({ commonName: 'expiring', notAfter: new Date(Date.now() + 3600_000) });
    fake.platform = soon;
    fake.served = [soon];
    fake.handler = () => ({ body: tx });
    let offset = 0;
    const c = client({ now: () => Date.now() + offset });
    await c.queryOrderById('42');
    await c.queryOrderById('42');
    expect(fake.certificateDownloads).toBe(1); // at most one refresh a minute
    offset = 120_000;
    await c.queryOrderById('42'); // expires within the 24 h margin: a background refresh starts
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.certificateDownloads).toBe(2);
    await c.queryOrderById('42');
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.certificateDownloads).toBe(2);
  });

  it('rejects certificates that do not decrypt with the APIv3 key', async () => {
    const c = client({ apiV3Key: 'ZZZdefghijklmnopqrstuvwxyz012345' });
    fake.handler = () => ({ body: tx });
    await expect(c.queryOrderById('42')).rejects.toMatchObject({ kind: 'invalid_response' });
  });

  it('encrypts sensitive fields with the newest platform certificate and names its serial', async () => {
    const c = client();
    const out = await c.encryptSensitive('王小二');
    expect(out.serial).toBe(fake.platform.serial);
    expect(decryptOaep(loadPrivateKey(fake.platform.privateKeyPem), out.ciphertext)).toBe('王小二');
  });
});

describe('WeChat Pay public key (PUB_KEY_ID_...)', () => {
  const platformKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = 'PUB_KEY_ID_0114232134912410000000000000';

  function signedWithPublicKeyMode(body: string) {
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomNonce();
    return {
      'Wechatpay-Timestamp': ts,
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Serial': keyId,
      'Wechatpay-Signature': signSha256RsaSync(platformKey.privateKey, buildResponseMessage(ts, nonce, body)),
    };
  }

  it('verifies by the public key id without downloading certificates, and sends Wechatpay-Serial', async () => {
    fake.handler = () => ({ body: tx, signWith: false, headers: signedWithPublicKeyMode(tx) });
    const c = client({ platformPublicKey: { id: keyId, key: platformKey.publicKey.export({ type: 'spki', format: 'pem' }) as string } });
    await expect(c.queryOrderById('42')).resolves.toMatchObject({ id: '42' });
    expect(fake.certificateDownloads).toBe(0);
    expect(fake.requests[0]!.headers['wechatpay-serial']).toBe(keyId);
    fake.handler = () => ({ body: tx }); // signed by a certificate: not trusted in public-key-only mode
    await expect(c.queryOrderById('42')).rejects.toMatchObject({ kind: 'signature', detail: { reason: 'unknown_serial' } });
    const enc = await c.encryptSensitive('secret');
    expect(enc.serial).toBe(keyId);
  });

  it('combines the public key with downloaded certificates when both are enabled', async () => {
    const c = client({ platformPublicKey: { id: keyId, key: platformKey.publicKey }, downloadCertificates: true });
    fake.handler = () => ({ body: tx, signWith: false, headers: signedWithPublicKeyMode(tx) });
    await c.queryOrderById('42');
    fake.handler = () => ({ body: tx });
    await c.queryOrderById('42');
    expect(fake.certificateDownloads).toBe(1);
  });
});
