// Signs requests and Mini Program payment parameters with the merchant API private key.
import type { KeyObject } from 'node:crypto';
import { formatAuthorization } from '../crypto/authorization';
import { buildPaySignMessage, buildRequestMessage } from '../crypto/message';
import { randomNonce } from '../crypto/nonce';
import { loadPrivateKey } from '../crypto/keys';
import { signSha256Rsa } from '../crypto/rsa';

export interface SignedRequest {
  /** The exact string that was signed (safe to show when debugging SIGN_ERROR; it holds no secret). */
  message: string;
  authorization: string;
  nonce: string;
  timestamp: string;
  signature: string;
}

export interface MerchantSignerOptions {
  /** The caller's merchant id: `mchid` in direct mode, `sp_mchid` in institution mode. */
  mchid: string;
  /** Serial of the merchant API certificate (apiclient_cert.pem), upper-case hex. */
  serial: string;
  privateKey: string | Buffer | KeyObject;
}

export class MerchantSigner {
  readonly mchid: string;
  readonly serial: string;
  private readonly key: KeyObject;

  constructor(opts: MerchantSignerOptions) {
    this.mchid = opts.mchid;
    this.serial = opts.serial.toUpperCase();
    this.key = loadPrivateKey(opts.privateKey);
  }

  /** Signs `METHOD\ntarget\nts\nnonce\nbody\n`; target is the path + query exactly as sent. */
  async signRequest(
    method: string,
    target: string,
    body: string,
    opts: { timestamp?: string | number; nonce?: string } = {},
  ): Promise<SignedRequest> {
    const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = opts.nonce ?? randomNonce();
    const message = buildRequestMessage(method, target, timestamp, nonce, body);
    const signature = await signSha256Rsa(this.key, message);
    const authorization = formatAuthorization({ mchid: this.mchid, nonce, timestamp, serial: this.serial, signature });
    return { message, authorization, nonce, timestamp, signature };
  }

  /** paySign over `appId\ntimeStamp\nnonceStr\npackage\n`. */
  signPayment(appId: string, timeStamp: string, nonceStr: string, pkg: string): Promise<string> {
    return signSha256Rsa(this.key, buildPaySignMessage(appId, timeStamp, nonceStr, pkg));
  }

  /** The private key, for decrypting OAEP fields the merchant receives. */
  get privateKey(): KeyObject {
    return this.key;
  }
}
