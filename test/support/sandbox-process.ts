// Starts the WeChat Pay Global sandbox as a real child process (`node --import tsx server/sandbox/main.ts`) on a
// free port, with a fresh dev key set in a temp folder and its own database on TEST_MONGODB_URI. Returns the
// base URL, the merchants' keys and ids, admin helpers and stop(). Also: a request signer built on the crypto
// primitives, for tests that talk to the sandbox without the client library.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../tools/localdb/server';
import {
  buildPaySignMessage,
  buildRequestMessage,
  formatAuthorization,
  loadPrivateKey,
  randomNonce,
  signSha256RsaSync,
} from '../../server/src/wechatpay/crypto';
import { generateDevKeys, type DevKeys } from '../../server/sandbox/keys/generate-dev-keys';
import { dropDatabase, testDatabaseUri } from './db';

const ROOT = resolve(__dirname, '..', '..');

export interface SandboxMerchant {
  mode: 'direct' | 'institution';
  mchid: string; // mchid or sp_mchid
  appid: string; // appid or sp_appid
  subMchid?: string;
  subAppid?: string;
  /** The mini program whose openids pay: appid (direct) or sub_appid (institution). */
  miniprogramAppid: string;
  appSecret: string;
  serial: string;
  privateKeyPem: string;
  privateKeyPath: string;
  certificatePem: string;
  apiV3Key: string;
  /** The merchant's WeChat Pay public key: id (`PUB_KEY_ID_...`), file and PEM. */
  publicKeyId: string;
  publicKeyPath: string;
  publicKeyPem: string;
}

export interface SandboxConfigView {
  keys: DevKeys;
  direct: SandboxMerchant;
  institution: SandboxMerchant;
  platformSerial: string;
}

/** Reads a dev key set into the shape tests use. */
export function sandboxConfigView(keys: DevKeys): SandboxConfigView {
  const read = (p: string) => readFileSync(p, 'utf8');
  return {
    keys,
    platformSerial: keys.platform.serial,
    direct: {
      mode: 'direct',
      mchid: keys.direct.mchid,
      appid: keys.direct.appid,
      miniprogramAppid: keys.direct.appid,
      appSecret: keys.direct.appSecret,
      serial: keys.direct.serial,
      privateKeyPem: read(keys.direct.privateKeyPath),
      privateKeyPath: keys.direct.privateKeyPath,
      certificatePem: read(keys.direct.certificatePath),
      apiV3Key: keys.direct.apiV3Key,
      publicKeyId: keys.direct.publicKeyId,
      publicKeyPath: keys.direct.publicKeyPath,
      publicKeyPem: read(keys.direct.publicKeyPath),
    },
    institution: {
      mode: 'institution',
      mchid: keys.institution.mchid,
      appid: keys.institution.spAppid,
      subMchid: keys.institution.subMchid,
      subAppid: keys.institution.subAppid,
      miniprogramAppid: keys.institution.subAppid,
      appSecret: keys.institution.subAppSecret,
      serial: keys.institution.serial,
      privateKeyPem: read(keys.institution.privateKeyPath),
      privateKeyPath: keys.institution.privateKeyPath,
      certificatePem: read(keys.institution.certificatePath),
      apiV3Key: keys.institution.apiV3Key,
      publicKeyId: keys.institution.publicKeyId,
      publicKeyPath: keys.institution.publicKeyPath,
      publicKeyPem: read(keys.institution.publicKeyPath),
    },
  };
}

/** A fresh key set in a temp folder; `settings` are merged into sandbox.json's settings. */
export function freshKeySet(settings: Record<string, unknown> = {}): { dir: string; view: SandboxConfigView } {
  const dir = mkdtempSync(join(tmpdir(), 'wxpay-sandbox-'));
  const keys = generateDevKeys(dir);
  const cfg = JSON.parse(readFileSync(keys.configPath, 'utf8'));
  cfg.settings = { ...cfg.settings, ...settings };
  writeFileSync(keys.configPath, JSON.stringify(cfg, null, 2));
  return { dir, view: sandboxConfigView(keys) };
}

export interface SignedResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** Accept, User-Agent and Authorization headers for one request signed with `m`'s key. */
export function signedHeaders(
  m: Pick<SandboxMerchant, 'mchid' | 'serial' | 'privateKeyPem'>,
  method: string,
  target: string,
  raw = '',
): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000);
  const nonce = randomNonce();
  const signature = signSha256RsaSync(loadPrivateKey(m.privateKeyPem), buildRequestMessage(method, target, ts, nonce, raw));
  return {
    Accept: 'application/json',
    'User-Agent': 'sandbox-test',
    ...(raw ? { 'Content-Type': 'application/json' } : {}),
    Authorization: formatAuthorization({ mchid: m.mchid, nonce, timestamp: ts, serial: m.serial, signature }),
  };
}

/** Sends an APIv3 request signed with `m`'s key (the crypto primitives, no client library). */
export async function signedRequest(
  baseUrl: string,
  m: Pick<SandboxMerchant, 'mchid' | 'serial' | 'privateKeyPem'>,
  method: string,
  target: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<SignedResponse> {
  const raw = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(baseUrl + target, {
    method,
    headers: { ...signedHeaders(m, method, target, raw), ...headers },
    body: raw || undefined,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** wx.requestPayment's parameters for `prepayId`, signed like the backend does (appId rule of the spec). */
export function requestPaymentParams(m: SandboxMerchant, appId: string, prepayId: string) {
  const timeStamp = String(Math.floor(Date.now() / 1000));
  const nonceStr = randomNonce();
  const pkg = `prepay_id=${prepayId}`;
  const paySign = signSha256RsaSync(loadPrivateKey(m.privateKeyPem), buildPaySignMessage(appId, timeStamp, nonceStr, pkg));
  return { timeStamp, nonceStr, package: pkg, signType: 'RSA' as const, paySign };
}

export interface SandboxAdmin {
  get(path: string): Promise<any>;
  post(path: string, body?: unknown): Promise<{ status: number; json: any }>;
  loginCode(user: string, appid?: string): Promise<string>;
  openid(user: string, appid?: string): Promise<string>;
  notifications(q: { out_trade_no?: string; out_refund_no?: string }): Promise<any[]>;
  cashierPay(params: Record<string, unknown>): Promise<{ status: number; json: any }>;
  rotate(opts?: { switch_after_seconds?: number; retire_after_seconds?: number; valid_seconds?: number }): Promise<any>;
  faults(body: unknown): Promise<any>;
  /** What signs `mchid`'s answers and notifications: platform certificates, its public key, or either. */
  signWith(mchid: string, signWith: 'certificate' | 'public_key' | 'both'): Promise<void>;
  /** Skews the sandbox's clock (Date header, timestamps, the request window) by `seconds`. */
  clockSkew(seconds: number): Promise<void>;
}

export function sandboxAdmin(baseUrl: string): SandboxAdmin {
  const get = async (path: string) => {
    const res = await fetch(baseUrl + path);
    const json = (await res.json()) as any;
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const post = async (path: string, body?: unknown) => {
    const res = await fetch(baseUrl + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const q = (o: Record<string, string | undefined>) =>
    new URLSearchParams(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  return {
    get,
    post,
    loginCode: async (user, appid) => (await get(`/sandbox/wxlogin-code?${q({ user, appid })}`)).code,
    openid: async (user, appid) => (await get(`/sandbox/openid?${q({ user, appid })}`)).openid,
    notifications: async (f) => (await get(`/sandbox/notifications?${q(f)}`)).data,
    cashierPay: (params) => post('/sandbox/cashier/pay', params),
    rotate: async (opts) => (await post('/sandbox/platform/rotate', opts ?? {})).json,
    faults: async (body) => (await post('/sandbox/faults', body)).json,
    async signWith(mchid, signWith) {
      const r = await post(`/sandbox/merchants/${mchid}/signing`, { sign_with: signWith });
      if (r.status !== 200) throw new Error(`signing switch failed: ${r.status} ${JSON.stringify(r.json)}`);
    },
    async clockSkew(seconds) {
      const r = await post('/sandbox/clock', { skew_seconds: seconds });
      if (r.status !== 200) throw new Error(`clock skew failed: ${r.status} ${JSON.stringify(r.json)}`);
    },
  };
}

export interface SandboxProcess {
  baseUrl: string;
  config: SandboxConfigView;
  admin: SandboxAdmin;
  dbUri: string;
  child: ChildProcess;
  /** Stops the process (SIGTERM, then SIGKILL); `keepData` leaves database and keys for a restart. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** Starts a new process on the same keys, database and port (a restart). */
  restart(): Promise<SandboxProcess>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

async function spawnSandbox(
  dir: string,
  view: SandboxConfigView,
  dbUri: string,
  port: number,
  env: Record<string, string>,
): Promise<ChildProcess> {
  // SANDBOX_CPU_PROF=DIR: the sandbox writes a V8 CPU profile there when it stops (`npm run bench` profiling).
  const prof = process.env.SANDBOX_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SANDBOX_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'server/sandbox/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      SANDBOX_CONFIG: view.keys.configPath,
      SANDBOX_MONGODB_URI: dbUri,
      SANDBOX_PORT: String(port),
      SANDBOX_HOST: '127.0.0.1',
      SANDBOX_LOG_LEVEL: process.env.SANDBOX_LOG_LEVEL ?? 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (process.env.SANDBOX_DEBUG) process.stderr.write(d);
  });
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`sandbox did not start in 60 s:\n${err}`)), 60000);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('SANDBOX_READY')) {
        clearTimeout(timer);
        ready();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`sandbox exited with ${code} before it was ready:\n${err}`));
    });
  });
  void dir;
  return child;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}

export interface StartOptions {
  /** SANDBOX_TIME_SCALE (default 1). */
  timeScale?: number;
  /** Merged into sandbox.json's settings. */
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
}

export async function startSandboxProcess(opts: StartOptions = {}): Promise<SandboxProcess> {
  const { dir, view } = freshKeySet(opts.settings);
  const dbUri = testDatabaseUri('sandbox');
  const port = await freePort();
  const env = { ...(opts.timeScale ? { SANDBOX_TIME_SCALE: String(opts.timeScale) } : {}), ...opts.env };
  const make = async (): Promise<SandboxProcess> => {
    const child = await spawnSandbox(dir, view, dbUri, port, env);
    const baseUrl = `http://127.0.0.1:${port}`;
    return {
      baseUrl,
      config: view,
      admin: sandboxAdmin(baseUrl),
      dbUri,
      child,
      async stop(o = {}) {
        await stopChild(child);
        if (o.keepData) return;
        await dropDatabase(dbUri).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
      restart: make,
    };
  };
  return make();
}
