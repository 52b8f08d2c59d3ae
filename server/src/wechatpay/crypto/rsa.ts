// SHA256withRSA (RSASSA-PKCS1-v1_5) signatures and RSA-OAEP (SHA-1) for sensitive fields.
import { constants, privateDecrypt, publicEncrypt, sign, verify, type KeyObject } from 'node:crypto';
import { decodeBase64Strict } from './base64';

/** Signs on libuv's thread pool (callback form of crypto.sign) so the event loop stays free. */
export function signSha256Rsa(key: KeyObject, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(message, 'utf8'), key, (err, signature) => {
      if (err) reject(err);
      else resolve(signature.toString('base64'));
    });
  });
}

export function signSha256RsaSync(key: KeyObject, message: string): string {
  return sign('sha256', Buffer.from(message, 'utf8'), key).toString('base64');
}

/** False, never an exception, for a wrong, malformed or non-canonical signature (e.g. `WECHATPAY/SIGNTEST/...`). */
export function verifySha256Rsa(publicKey: KeyObject, message: string, signatureB64: string): boolean {
  const signature = decodeBase64Strict(signatureB64);
  if (!signature || signature.length === 0) return false;
  try {
    return verify('sha256', Buffer.from(message, 'utf8'), publicKey, signature);
  } catch {
    return false;
  }
}

/** RSA/ECB/OAEPWithSHA-1AndMGF1Padding with the platform public key; base64 out. */
export function encryptOaep(publicKey: KeyObject, plaintext: string): string {
  return publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(plaintext, 'utf8'),
  ).toString('base64');
}

export function decryptOaep(privateKey: KeyObject, ciphertextB64: string): string {
  const ciphertext = decodeBase64Strict(ciphertextB64);
  if (!ciphertext) throw new Error('OAEP ciphertext is not valid base64');
  return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, ciphertext).toString('utf8');
}
