import { generateKeyPairSync, createVerify, createPublicKey } from 'node:crypto';
import {
  decryptOaep,
  encryptOaep,
  loadPrivateKey,
  loadPublicKey,
  signSha256Rsa,
  signSha256RsaSync,
  verifySha256Rsa,
} from '../../../../server/src/wechatpay/crypto';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('SHA256withRSA', () => {
  it('async and sync signatures are identical (PKCS#1 v1.5 is deterministic) and verify', async () => {
    const msg = 'GET\n/v3/global/certificates\n1700000000\nabc\n\n';
    const a = await signSha256Rsa(privateKey, msg);
    const b = signSha256RsaSync(privateKey, msg);
    expect(a).toBe(b);
    expect(createVerify('RSA-SHA256').update(msg).verify(publicKey, a, 'base64')).toBe(true);
    expect(verifySha256Rsa(publicKey, msg, a)).toBe(true);
  });

  it('signs UTF-8 bytes', () => {
    const msg = '支付測試\n';
    const sig = signSha256RsaSync(privateKey, msg);
    expect(createVerify('RSA-SHA256').update(Buffer.from(msg, 'utf8')).verify(publicKey, sig, 'base64')).toBe(true);
  });

  it('rejects a changed message, another key, a flipped bit and malformed input without throwing', () => {
    const msg = 'ts\nnonce\nbody\n';
    const sig = signSha256RsaSync(privateKey, msg);
    expect(verifySha256Rsa(publicKey, msg + ' ', sig)).toBe(false);
    expect(verifySha256Rsa(other.publicKey, msg, sig)).toBe(false);
    const bytes = Buffer.from(sig, 'base64');
    bytes[10] = bytes[10]! ^ 0x01;
    expect(verifySha256Rsa(publicKey, msg, bytes.toString('base64'))).toBe(false);
    expect(verifySha256Rsa(publicKey, msg, '')).toBe(false);
    expect(verifySha256Rsa(publicKey, msg, 'WECHATPAY/SIGNTEST/' + sig.slice(19))).toBe(false);
    expect(verifySha256Rsa(publicKey, msg, 'not base64!!')).toBe(false);
    expect(verifySha256Rsa(publicKey, msg, sig.slice(0, -4))).toBe(false);
    expect(verifySha256Rsa(publicKey, msg, undefined as unknown as string)).toBe(false);
  });

  it('rejects a non-canonical base64 spelling of a valid signature', () => {
    const msg = 'x\n';
    const sig = signSha256RsaSync(privateKey, msg); // 256 bytes -> ends with "=="
    expect(sig.endsWith('==')).toBe(true);
    const last = sig[sig.length - 3]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!; // differs only in an unused low bit
    const variant = sig.slice(0, -3) + sibling + '==';
    expect(Buffer.from(variant, 'base64').equals(Buffer.from(sig, 'base64'))).toBe(true);
    expect(verifySha256Rsa(publicKey, msg, variant)).toBe(false);
    expect(verifySha256Rsa(publicKey, msg, sig)).toBe(true);
  });
});

describe('RSA-OAEP (SHA-1)', () => {
  it('round-trips and is randomised', () => {
    const a = encryptOaep(publicKey, '王小二');
    const b = encryptOaep(publicKey, '王小二');
    expect(a).not.toBe(b);
    expect(decryptOaep(privateKey, a)).toBe('王小二');
  });

  it('uses SHA-1 OAEP (decrypting with SHA-256 OAEP fails)', () => {
    const { privateDecrypt, constants } = require('node:crypto') as typeof import('node:crypto');
    const ct = Buffer.from(encryptOaep(publicKey, 'secret'), 'base64');
    expect(() => privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ct)).toThrow();
    expect(privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, ct).toString()).toBe('secret');
  });

  it('fails with the wrong key or tampered ciphertext', () => {
    const ct = encryptOaep(publicKey, 'secret');
    expect(() => decryptOaep(other.privateKey, ct)).toThrow();
    const bytes = Buffer.from(ct, 'base64');
    bytes[0] = bytes[0]! ^ 0x80;
    expect(() => decryptOaep(privateKey, bytes.toString('base64'))).toThrow();
    expect(() => decryptOaep(privateKey, '***')).toThrow(/base64/);
  });

  it('accepts keys given as PEM strings', () => {
    const priv = loadPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const pub = loadPublicKey(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }));
    expect(decryptOaep(priv, encryptOaep(pub, 'x'))).toBe('x');
  });
});
