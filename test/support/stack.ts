// The whole payment stack for integration tests, as real processes: the WeChat Pay sandbox (with fresh keys in a
// temp folder and its own database) and the backend (`server/src/main.ts`) on free ports against a fresh
// database on TEST_MONGODB_URI. Nothing is mocked; everything is talked to over HTTP.
//
//   const stack = await startStack();                 // options: see StackOptions
//   const token = await stack.loginCustomer('alice'); // sandbox login code -> POST /api/auth/login -> JWT
//   const res = await fetch(`${stack.backendUrl}/api/orders`, { method: 'POST', headers: {...}, body });
//   await stack.payInSandbox(order.id, payment);      // the sandbox cashier pays (paySign checked) -> notification
//   await stack.killBackend('SIGKILL'); await stack.restartBackend();  // crash and recovery
//   const two = await stack.addBackend({ INSTANCE_ID: 'two' });       // a second instance, same database
//   stack.backendLogs();                              // the backend's JSON log lines so far
//   await stack.stop();                               // in afterAll: stops everything, drops both databases
//
// `startStack({mode: 'institution'})` makes the backend the sandbox's institution merchant instead of the direct
// one. Staff helpers (create a staff user in `stack.dbUri`, log in) are in ./staff.
//
// The backend runs in sandbox mode (SANDBOX=true) with fast jobs by default (JOBS_INTERVAL_MS=200,
// PENDING_QUERY_SCHEDULE_SECONDS=1,1,2); override any variable with `env`. `stack.env` is the backend's
// environment (keys, ids, JWT_SECRET...) for tests that need them; `stack.sandbox` is the sandbox process
// (admin helpers, merchant keys: see ./sandbox-process). The backend's own log goes to stderr when
// BACKEND_DEBUG is set.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { freePort } from '../../tools/localdb/server';
import type { PaymentParams } from '../../shared/api';
import { seedCatalog } from '../../scripts/seed-catalog';
import { dropDatabase, testDatabaseUri } from './db';
import { startSandboxProcess, type SandboxProcess, type StartOptions } from './sandbox-process';

const ROOT = resolve(__dirname, '..', '..');

export interface StackOptions {
  /** Backend environment overrides (JOBS_ENABLED, ORDER_TTL_SECONDS, ...). */
  env?: Record<string, string>;
  /** Sandbox options (settings merged into sandbox.json, time scale, env). */
  sandbox?: StartOptions;
  /** Seed the catalog (default true). */
  seed?: boolean;
  /** Which sandbox merchant the backend is: direct (default) or institution (sp_mchid + sub_mchid + sub_appid). */
  mode?: 'direct' | 'institution';
}

export interface Stack {
  backendUrl: string;
  sandbox: SandboxProcess;
  dbUri: string;
  env: Record<string, string>;
  /** Logs a sandbox user in through the backend; returns the customer JWT. */
  loginCustomer(user: string): Promise<string>;
  /** The sandbox user's openid (the JWT subject after login). */
  openidOf(user: string): Promise<string>;
  /** Pays with the sandbox cashier as WeChat's sheet would (paySign verified); `openid` defaults to the order's payer. */
  payInSandbox(orderId: string, payment: PaymentParams, openid?: string): Promise<{ status: number; json: any }>;
  /** fetch against the backend with JSON; returns status and parsed body. */
  api(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; json: any }>;
  /** Everything the backend has written to stdout/stderr (its JSON logs), the last few MB. */
  backendLogs(): string;
  restartBackend(): Promise<void>;
  /** Starts one more backend instance on the same database and sandbox (another port; `env` overrides). */
  addBackend(env?: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }>;
  killBackend(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

const LOG_KEEP = 4 * 1024 * 1024;

function spawnBackend(env: Record<string, string>, logs: { text: string }): Promise<{ child: ChildProcess; port: number }> {
  // BACKEND_CPU_PROF=DIR: the backend writes a V8 CPU profile there when it stops (`npm run bench` profiling).
  const prof = process.env.BACKEND_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BACKEND_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let err = '';
  const onLog = (d: Buffer) => {
    logs.text += d.toString();
    if (logs.text.length > LOG_KEEP) logs.text = logs.text.slice(-LOG_KEEP / 2);
    if (process.env.BACKEND_DEBUG) process.stderr.write(d);
  };
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
    onLog(d);
  });
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`backend did not start in 60 s:\n${err}`)), 60000);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      onLog(d);
      out += d.toString();
      const m = /^LISTENING (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        out = '';
        ready({ child, port: Number(m[1]) });
      } else if (out.length > 100_000) out = out.slice(-1000);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`backend exited with ${code} before it was ready:\n${err}${out.slice(-4000)}`));
    });
  });
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill(signal);
  });
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const sandbox = await startSandboxProcess({
    ...opts.sandbox,
    settings: { closeMinAgeSeconds: 0, ...opts.sandbox?.settings },
  });
  const m = opts.mode === 'institution' ? sandbox.config.institution : sandbox.config.direct;
  const dbUri = testDatabaseUri('backend');
  const port = await freePort();
  const backendUrl = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: process.env.BACKEND_LOG_LEVEL ?? 'info',
    MONGODB_URI: dbUri,
    JWT_SECRET: randomBytes(32).toString('hex'),
    WECHATPAY_BASE_URL: sandbox.baseUrl,
    WECHATPAY_MODE: m.mode,
    WECHATPAY_MCHID: m.mchid,
    WECHATPAY_APPID: m.appid,
    ...(m.subMchid ? { WECHATPAY_SUB_MCHID: m.subMchid } : {}),
    ...(m.subAppid ? { WECHATPAY_SUB_APPID: m.subAppid } : {}),
    WECHATPAY_MERCHANT_SERIAL: m.serial,
    WECHATPAY_PRIVATE_KEY_PATH: m.privateKeyPath,
    WECHATPAY_APIV3_KEY: m.apiV3Key,
    WECHATPAY_NOTIFY_BASE_URL: backendUrl,
    WECHATPAY_TIMEOUT_MS: '5000',
    WECHAT_API_BASE_URL: sandbox.baseUrl,
    WECHAT_APP_SECRET: m.appSecret,
    SANDBOX: 'true',
    JOBS_INTERVAL_MS: '200',
    PENDING_QUERY_SCHEDULE_SECONDS: '1,1,2',
    JOB_CLAIM_SECONDS: '10',
    ORDER_SYNC_STALE_SECONDS: '1',
    ...opts.env,
  };
  if (opts.seed !== false) await seedCatalog(dbUri, env.CURRENCY ?? 'HKD');
  const logs = { text: '' };
  const extras: ChildProcess[] = [];
  let backend = await spawnBackend(env, logs).catch(async (err) => {
    await sandbox.stop();
    throw err;
  });

  const api: Stack['api'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.Authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['Content-Type'] ??= 'application/json';
    const res = await fetch(backendUrl + path, {
      method,
      headers,
      body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json };
  };

  const stack: Stack = {
    backendUrl,
    sandbox,
    dbUri,
    env,
    api,
    async loginCustomer(user) {
      const code = await sandbox.admin.loginCode(user, m.miniprogramAppid);
      const r = await api('POST', '/api/auth/login', { body: { code } });
      if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.json)}`);
      return r.json.token as string;
    },
    openidOf: (user) => sandbox.admin.openid(user, m.miniprogramAppid),
    async payInSandbox(_orderId, payment, openid) {
      let payer = openid;
      if (!payer) {
        const prepay = payment.package.replace(/^prepay_id=/, '');
        const info = await fetch(`${sandbox.baseUrl}/sandbox/cashier/order?prepay_id=${encodeURIComponent(prepay)}`).then(
          (r) => r.json() as Promise<{ out_trade_no: string }>,
        );
        const orders = await sandbox.admin.get(`/sandbox/orders?out_trade_no=${encodeURIComponent(info.out_trade_no)}`);
        const p = orders.data[0]?.payer;
        payer = p?.openid ?? p?.sub_openid ?? p?.sp_openid;
      }
      return sandbox.admin.cashierPay({ ...payment, openid: payer, action: 'pay' });
    },
    backendLogs: () => logs.text,
    async addBackend(extra = {}) {
      const p = await freePort();
      const other = await spawnBackend({ ...env, PORT: String(p), ...extra }, logs);
      extras.push(other.child);
      return { url: `http://127.0.0.1:${p}`, stop: () => stopChild(other.child) };
    },
    async killBackend(signal = 'SIGKILL') {
      await stopChild(backend.child, signal);
    },
    async restartBackend() {
      await stopChild(backend.child);
      backend = await spawnBackend(env, logs);
    },
    async stop() {
      await Promise.all([backend.child, ...extras].map((c) => stopChild(c)));
      await sandbox.stop();
      await dropDatabase(dbUri).catch(() => undefined);
    },
  };
  return stack;
}
