// AEAD_AES_256_GCM as WeChat Pay uses it: the 32-byte APIv3 key, nonce and associated data taken as UTF-8
// bytes (never base64-decoded), ciphertext = base64(encrypted || 16-byte tag).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { decodeBase64Strict } from './base64';

const TAG_LENGTH = 16;

function keyBytes(apiV3Key: string | Buffer): Buffer {
  const key = typeof apiV3Key === 'string' ? Buffer.from(apiV3Key, 'utf8') : apiV3Key;
  if (key.length !== 32) throw new Error(`APIv3 key must be 32 bytes, got ${key.length}`);
  return key;
}

function nonceBytes(nonce: string): Buffer {
  const iv = Buffer.from(nonce, 'utf8');
  if (iv.length === 0) throw new Error('AES-GCM nonce is empty');
  return iv;
}

export function encryptAesGcm(apiV3Key: string | Buffer, nonce: string, associatedData: string, plaintext: string): string {
  const cipher = createCipheriv('aes-256-gcm', keyBytes(apiV3Key), nonceBytes(nonce), { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([encrypted, cipher.getAuthTag()]).toString('base64');
}

/** Throws on any tampering: ciphertext, tag, nonce, associated data or key. The tag length is pinned to 16. */
export function decryptAesGcm(apiV3Key: string | Buffer, nonce: string, associatedData: string, ciphertextB64: string): string {
  const data = decodeBase64Strict(ciphertextB64);
  if (!data) throw new Error('AES-GCM ciphertext is not valid base64');
  if (data.length < TAG_LENGTH) throw new Error('AES-GCM ciphertext is shorter than its tag');
  const decipher = createDecipheriv('aes-256-gcm', keyBytes(apiV3Key), nonceBytes(nonce), { authTagLength: TAG_LENGTH });
  decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  try {
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_LENGTH)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('AES-GCM authentication failed (wrong key, nonce, associated data or tampered ciphertext)');
  }
}
