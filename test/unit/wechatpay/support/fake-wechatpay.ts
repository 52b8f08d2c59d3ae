// A tiny WeChat Pay stand-in on node:http for client tests: records requests, answers with handlers that
// sign like the real service (platform key generated in the test).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { issueCertificate, type IssuedCertificate } from '../../../../server/sandbox/keys/certificates';
import {
  buildResponseMessage,
  encryptAesGcm,
  loadPrivateKey,
  randomNonce,
  signSha256RsaSync,
} from '../../../../server/src/wechatpay/crypto';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Sign with this platform cert (default: the server's current one); false = no signature headers. */
  signWith?: IssuedCertificate | false;
  /** Body that the signature covers (default: the body). */
  signedBody?: string;
  timestampOffsetSec?: number;
  delayMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /** Send the head and half the body, then stall. */
  stallMidBody?: boolean;
}

export type Handler = (req: RecordedRequest, n: number) => Reply | Promise<Reply>;

export const API_V3_KEY = 'abcdefghijklmnopqrstuvwxyz012345';

export function signReply(cert: IssuedCertificate, body: string, offsetSec = 0): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000) + offsetSec);
  const nonce = randomNonce();
  return {
    'Wechatpay-Timestamp': ts,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': cert.serial,
    'Wechatpay-Signature': signSha256RsaSync(loadPrivateKey(cert.privateKeyPem), buildResponseMessage(ts, nonce, body)),
  };
}

export function certificateListBody(certs: IssuedCertificate[], apiV3Key = API_V3_KEY): string {
  return JSON.stringify({
    data: certs.map((c) => {
      const nonce = randomNonce(12);
      return {
        serial_no: c.serial,
        effective_time: c.notBefore.toISOString(),
        expire_time: c.notAfter.toISOString(),
        encrypt_certificate: {
          algorithm: 'AEAD_AES_256_GCM',
          nonce,
          associated_data: 'certificate',
          ciphertext: encryptAesGcm(apiV3Key, nonce, 'certificate', c.certificatePem),
        },
      };
    }),
  });
}

export class FakeWechatPay {
  readonly requests: RecordedRequest[] = [];
  platform: IssuedCertificate = issueCertificate({ commonName: 'platform A' });
  /** Certificates served by /v3/global/certificates. */
  served: IssuedCertificate[] = [this.platform];
  certificateDownloads = 0;
  certificateDelayMs = 0;
  /** Signs the certificate list (default: the current platform certificate). */
  certificateSigner: IssuedCertificate | undefined;
  handler: Handler = () => ({ status: 404, body: '{"code":"NOT_FOUND","message":"no handler"}', signWith: false });
  private server = http.createServer((req, res) => this.onRequest(req, res));
  url = '';

  connections = 0;

  async start(): Promise<this> {
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const rec: RecordedRequest = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() };
      this.requests.push(rec);
      let reply: Reply;
      if (rec.url.endsWith('/v3/global/certificates')) {
        this.certificateDownloads++;
        reply = { body: certificateListBody(this.served), delayMs: this.certificateDelayMs, signWith: this.certificateSigner };
      } else {
        reply = await this.handler(rec, this.requests.length);
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if (reply.drop) {
        req.socket.destroy();
        return;
      }
      const body = reply.body ?? '';
      const headers: Record<string, string> = { 'Request-ID': `req-${this.requests.length}`, ...reply.headers };
      if (reply.signWith !== false) {
        const signed = reply.signedBody ?? (typeof body === 'string' ? body : body.toString());
        Object.assign(headers, signReply(reply.signWith ?? this.platform, signed, reply.timestampOffsetSec));
      }
      if (body.length && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
      if (reply.stallMidBody) {
        headers['Content-Length'] = String(Buffer.byteLength(body));
        res.writeHead(reply.status ?? 200, headers);
        res.write(body.slice(0, Math.floor(body.length / 2)));
        return;
      }
      res.writeHead(reply.status ?? 200, headers);
      res.end(body);
    });
  }
}
