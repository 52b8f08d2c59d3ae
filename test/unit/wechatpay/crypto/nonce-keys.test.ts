import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { issueCertificate } from '../../../../server/sandbox/keys/certificates';
import {
  certificateSerial,
  certificateValidity,
  loadPrivateKey,
  loadPublicKey,
  randomNonce,
  signSha256RsaSync,
  verifySha256Rsa,
} from '../../../../server/src/wechatpay/crypto';
import { randomBytesPooled } from '../../../../server/src/wechatpay/crypto/random-pool';

describe('randomNonce', () => {
  it('is 32 alphanumerics by default, other lengths on request, and not repeated', () => {
    const a = randomNonce();
    expect(a).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(randomNonce(12)).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(randomNonce()).not.toBe(a);
    expect(() => randomNonce(0)).toThrow();
  });

  it('uses the whole alphabet', () => {
    const seen = new Set(randomNonce(5000));
    expect(seen.size).toBe(62);
  });
});

describe('randomBytesPooled', () => {
  it('gives the length asked, never the same bytes twice across refills, and large requests directly', () => {
    const seen = new Set<string>();
    // 3000 x 16 bytes: a dozen refills of the 4 KB pool.
    for (let i = 0; i < 3000; i++) {
      const b = randomBytesPooled(16);
      expect(b).toHaveLength(16);
      seen.add(b.toString('hex'));
    }
    expect(seen.size).toBe(3000);
    expect(randomBytesPooled(0)).toHaveLength(0);
    expect(randomBytesPooled(5000)).toHaveLength(5000);
    expect(() => randomBytesPooled(-1)).toThrow();
    // What is handed out is a copy: the pool wipes its part at once and later refills do not reach it.
    const a = randomBytesPooled(32);
    const kept = Buffer.from(a);
    expect(a.equals(Buffer.alloc(32))).toBe(false);
    for (let i = 0; i < 300; i++) randomBytesPooled(32);
    expect(a.equals(kept)).toBe(true);
  });

  it('is uniform enough: every byte value appears in 64 KB', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 1024; i++) for (const b of randomBytesPooled(64)) counts[b]!++;
    expect(Math.min(...counts)).toBeGreaterThan(100); // expected 256 each
  });
});

describe('key loading', () => {
  const issued = issueCertificate({ commonName: 'test platform' });

  it('loads PKCS#8 and PKCS#1 private keys and passes KeyObjects through', () => {
    const k = loadPrivateKey(issued.privateKeyPem);
    expect(k).toBeInstanceOf(KeyObject);
    expect(k.type).toBe('private');
    const pkcs1 = k.export({ type: 'pkcs1', format: 'pem' });
    expect(loadPrivateKey(pkcs1).type).toBe('private');
    expect(loadPrivateKey(k)).toBe(k);
    expect(() => loadPrivateKey(loadPublicKey(k))).toThrow(/private/);
    expect(() => loadPrivateKey('garbage')).toThrow();
  });

  it('loads a public key from a certificate, an SPKI PEM, or a private KeyObject', () => {
    const priv = loadPrivateKey(issued.privateKeyPem);
    const sig = signSha256RsaSync(priv, 'm');
    const fromCert = loadPublicKey(issued.certificatePem);
    expect(fromCert.type).toBe('public');
    expect(verifySha256Rsa(fromCert, 'm', sig)).toBe(true);
    const spki = fromCert.export({ type: 'spki', format: 'pem' });
    expect(verifySha256Rsa(loadPublicKey(spki), 'm', sig)).toBe(true);
    expect(verifySha256Rsa(loadPublicKey(priv), 'm', sig)).toBe(true);
    expect(verifySha256Rsa(loadPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey), 'm', sig)).toBe(false);
  });

  it('reads the serial in upper-case hex and the validity of a certificate', () => {
    expect(certificateSerial(issued.certificatePem)).toBe(issued.serial);
    expect(certificateSerial(issued.certificatePem)).toMatch(/^[0-9A-F]{40}$/);
    const v = certificateValidity(issued.certificatePem);
    expect(Math.abs(v.notBefore.getTime() - issued.notBefore.getTime())).toBeLessThan(1000);
    expect(Math.abs(v.notAfter.getTime() - issued.notAfter.getTime())).toBeLessThan(1000);
  });
});
