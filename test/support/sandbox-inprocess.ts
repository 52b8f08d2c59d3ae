// The sandbox in this process (createSandboxApp) on a free port, plus a notification receiver and a verifier
// of signed answers that trusts only certificates downloaded from /v3/global/certificates.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import mongoose, { type Connection } from 'mongoose';
import { createSandboxApp, type SandboxApp } from '../../server/sandbox/app';
import { loadSandboxConfig } from '../../server/sandbox/config';
import { buildResponseMessage, decryptAesGcm, loadPublicKey, verifySha256Rsa } from '../../server/src/wechatpay/crypto';
import { dropDatabase, testDatabaseUri } from './db';
import {
  freshKeySet,
  sandboxAdmin,
  signedRequest,
  type SandboxAdmin,
  type SandboxConfigView,
  type SandboxMerchant,
  type SignedResponse,
} from './sandbox-process';

export interface InProcessSandbox {
  app: SandboxApp;
  baseUrl: string;
  config: SandboxConfigView;
  admin: SandboxAdmin;
  request(m: SandboxMerchant, method: string, target: string, body?: unknown, headers?: Record<string, string>): Promise<SignedResponse>;
  stop(): Promise<void>;
}

export async function startInProcessSandbox(
  opts: { timeScale?: number; settings?: Record<string, unknown> } = {},
): Promise<InProcessSandbox> {
  const { dir, view } = freshKeySet(opts.settings);
  const config = loadSandboxConfig({
    SANDBOX_CONFIG: view.keys.configPath,
    ...(opts.timeScale ? { SANDBOX_TIME_SCALE: String(opts.timeScale) } : {}),
  });
  const uri = testDatabaseUri('sbx');
  const connection: Connection = await mongoose.createConnection(uri).asPromise();
  const app = await createSandboxApp({ config, connection, log: (await import('pino')).default({ level: 'silent' }) });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  app.sandbox.start();
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    baseUrl,
    config: view,
    admin: sandboxAdmin(baseUrl),
    request: (m, method, target, body, headers) => signedRequest(baseUrl, m, method, target, body, headers),
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.sandbox.stop();
      await connection.close();
      await dropDatabase(uri).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** An HTTP receiver for notifications; `answer(n)` gives the status for the n-th (1-based) request. */
export async function startReceiver(
  answer: (n: number) => number = () => 204,
  /** How long each answer waits after its request has arrived. */
  delayMs = 0,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const status = answer(received.length);
      const reply = () => {
        res.statusCode = status;
        if (status >= 400) res.end(JSON.stringify({ code: 'FAIL', message: 'not now' }));
        else res.end();
      };
      if (delayMs) setTimeout(reply, delayMs);
      else reply();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Platform certificates as downloaded and decrypted by merchant `m`: serial -> PEM. */
export async function downloadCertificates(baseUrl: string, m: SandboxMerchant): Promise<Map<string, string>> {
  const res = await signedRequest(baseUrl, m, 'GET', '/v3/global/certificates');
  if (res.status !== 200) throw new Error(`certificates: ${res.status} ${res.text}`);
  const out = new Map<string, string>();
  for (const c of res.json.data) {
    const e = c.encrypt_certificate;
    out.set(c.serial_no, decryptAesGcm(m.apiV3Key, e.nonce, e.associated_data, e.ciphertext));
  }
  return out;
}

/** True when the answer's signature verifies with the downloaded certificate its Wechatpay-Serial names. */
export function verifiesWith(certs: Map<string, string>, headers: Headers | IncomingHttpHeaders, signedBody: string): boolean {
  const h = (k: string) => (headers instanceof Headers ? headers.get(k) : (headers[k.toLowerCase()] as string | undefined)) ?? '';
  const pem = certs.get(h('Wechatpay-Serial'));
  if (!pem) return false;
  const msg = buildResponseMessage(h('Wechatpay-Timestamp'), h('Wechatpay-Nonce'), signedBody);
  return verifySha256Rsa(loadPublicKey(pem), msg, h('Wechatpay-Signature'));
}

/** A JSAPI order body in the merchant's mode (sub_openid payer in institution mode). */
export function jsapiBody(
  m: { mode: string; mchid: string; appid: string; subMchid?: string; subAppid?: string },
  outTradeNo: string,
  openid: string,
  extra: Record<string, unknown> = {},
) {
  const ids =
    m.mode === 'direct'
      ? { mchid: m.mchid, appid: m.appid, payer: { openid } }
      : { sp_mchid: m.mchid, sp_appid: m.appid, sub_mchid: m.subMchid, sub_appid: m.subAppid, payer: { sub_openid: openid } };
  return {
    ...ids,
    description: 'Sandbox tea',
    out_trade_no: outTradeNo,
    notify_url: 'https://merchant.example/notify',
    trade_type: 'JSAPI',
    merchant_category_code: '5812',
    amount: { total: 2500, currency: 'HKD' },
    ...extra,
  };
}
