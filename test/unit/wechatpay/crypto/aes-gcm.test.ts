import { randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { decryptAesGcm, encryptAesGcm, randomNonce } from '../../../../server/src/wechatpay/crypto';

const key = randomNonce(32);

/** An independent AES-256-GCM (node-forge, pure JS) producing base64(ct || tag). */
function forgeEncrypt(k: string, nonce: string, aad: string, plaintext: string): string {
  const cipher = forge.cipher.createCipher('AES-GCM', forge.util.createBuffer(Buffer.from(k, 'utf8').toString('binary')));
  cipher.start({
    iv: forge.util.createBuffer(Buffer.from(nonce, 'utf8').toString('binary')),
    additionalData: Buffer.from(aad, 'utf8').toString('binary'),
    tagLength: 128,
  });
  cipher.update(forge.util.createBuffer(Buffer.from(plaintext, 'utf8').toString('binary')));
  cipher.finish();
  const bytes = Buffer.concat([Buffer.from(cipher.output.getBytes(), 'binary'), Buffer.from(cipher.mode.tag.getBytes(), 'binary')]);
  return bytes.toString('base64');
}

function flipBit(b: Buffer, bit: number): Buffer {
  const c = Buffer.from(b);
  c[bit >> 3] = c[bit >> 3]! ^ (1 << (bit & 7));
  return c;
}

describe('AEAD_AES_256_GCM', () => {
  const plaintext = JSON.stringify({ out_trade_no: 'T1', amount: { total: 100, currency: 'HKD' }, note: '支付測試' });

  it('decrypts what an independent implementation encrypted, and the reverse', () => {
    const nonce = randomNonce(12);
    const ct = forgeEncrypt(key, nonce, 'transaction', plaintext);
    expect(decryptAesGcm(key, nonce, 'transaction', ct)).toBe(plaintext);
    expect(encryptAesGcm(key, nonce, 'transaction', plaintext)).toBe(ct);
  });

  it('accepts empty associated data and a Buffer key', () => {
    const nonce = randomNonce(12);
    const ct = forgeEncrypt(key, nonce, '', plaintext);
    expect(decryptAesGcm(Buffer.from(key), nonce, '', ct)).toBe(plaintext);
  });

  it('puts the 16-byte tag last', () => {
    const nonce = randomNonce(12);
    const ct = Buffer.from(encryptAesGcm(key, nonce, 'certificate', 'abc'), 'base64');
    expect(ct.length).toBe(3 + 16);
  });

  it('fails for every single flipped bit of ciphertext or tag', () => {
    const nonce = randomNonce(12);
    const ct = Buffer.from(encryptAesGcm(key, nonce, 'refund', 'short body'), 'base64');
    for (let bit = 0; bit < ct.length * 8; bit++) {
      expect(() => decryptAesGcm(key, nonce, 'refund', flipBit(ct, bit).toString('base64'))).toThrow();
    }
  });

  it('fails for every flipped bit of the nonce and of the associated data', () => {
    const nonce = randomNonce(12);
    const aad = 'transaction';
    const ct = encryptAesGcm(key, nonce, aad, 'x');
    const n = Buffer.from(nonce);
    for (let bit = 0; bit < n.length * 8; bit++) {
      expect(() => decryptAesGcm(key, flipBit(n, bit).toString('latin1'), aad, ct)).toThrow();
    }
    const a = Buffer.from(aad);
    for (let bit = 0; bit < a.length * 8; bit++) {
      expect(() => decryptAesGcm(key, nonce, flipBit(a, bit).toString('latin1'), ct)).toThrow();
    }
    expect(() => decryptAesGcm(key, nonce, '', ct)).toThrow();
  });

  it('fails with a wrong key, a wrong-length key, a truncated tag and non-canonical base64', () => {
    const nonce = randomNonce(12);
    const ct = encryptAesGcm(key, nonce, 'certificate', plaintext);
    expect(() => decryptAesGcm(randomNonce(32), nonce, 'certificate', ct)).toThrow(/authentication/);
    expect(() => decryptAesGcm(key.slice(1), nonce, 'certificate', ct)).toThrow(/32 bytes/);
    expect(() => encryptAesGcm(randomBytes(16), nonce, '', 'x')).toThrow(/32 bytes/);
    const bytes = Buffer.from(ct, 'base64');
    expect(() => decryptAesGcm(key, nonce, 'certificate', bytes.subarray(0, bytes.length - 4).toString('base64'))).toThrow();
    expect(() => decryptAesGcm(key, nonce, 'certificate', Buffer.alloc(8).toString('base64'))).toThrow(/shorter/);
    expect(() => decryptAesGcm(key, nonce, 'certificate', ct + '\n')).toThrow(/base64/);
    expect(() => decryptAesGcm(key, '', 'certificate', ct)).toThrow(/nonce/);
  });
});
