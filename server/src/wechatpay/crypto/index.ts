export { buildRequestMessage, buildResponseMessage, buildPaySignMessage, statementDigestBody } from './message';
export { signSha256Rsa, signSha256RsaSync, verifySha256Rsa, encryptOaep, decryptOaep } from './rsa';
export { encryptAesGcm, decryptAesGcm } from './aes-gcm';
export { randomNonce } from './nonce';
export { loadPrivateKey, loadPublicKey, certificateSerial, certificateValidity } from './keys';
export { AUTH_SCHEME, formatAuthorization, parseAuthorization, type ParsedAuthorization } from './authorization';
export { decodeBase64Strict } from './base64';
