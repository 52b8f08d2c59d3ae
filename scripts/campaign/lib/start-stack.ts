// Starts the real stack for the campaign — the project's test support (sandbox process + backend process on
// a fresh database) — and adapts it to CampaignStack. Outside jest it first starts the local database itself.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PaymentParams } from '../../../shared/api';
import { startLocalMongo, type LocalMongo } from '../../../tools/localdb/server';
import { signedRequest } from '../../../test/support/sandbox-process';
import { startStack, type StackOptions } from '../../../test/support/stack';
import { staffToken } from '../../../test/support/staff';
import { assertLoopback } from './http';
import type { CampaignStack } from './stack';

export interface StartedCampaignStack extends CampaignStack {
  /** Stops the stack, and the database when this module started it. */
  stop(): Promise<void>;
}

// The backend's jobs run on production timing: the test stack's defaults (a run every 200 ms, every pending
// order queried each second) would add a load no real deployment has.
const PRODUCTION_TIMING = {
  JOBS_INTERVAL_MS: '5000',
  PENDING_QUERY_SCHEDULE_SECONDS: '30,60,120,300,600,1800',
  JOB_CLAIM_SECONDS: '60',
  ORDER_SYNC_STALE_SECONDS: '10',
  // Each workload worker is one customer ordering as fast as it can: lift the per-customer order rate.
  CUSTOMER_ORDER_BURST: '1000',
  CUSTOMER_ORDERS_PER_MINUTE: '60000',
};

// Scenario 9 holds 400 hostile sockets (dribbled bodies, idle keep-alive) from 127.0.0.1 next to genuine
// traffic from the same address: the per-address socket cap (default 256) is raised for the campaign. Its
// staff login checks name client addresses in X-Forwarded-For, as behind one reverse proxy (TRUST_PROXY=1);
// without that header the address is the socket's peer, as before.
const EDGE_SETTINGS = {
  MAX_CONNECTIONS_PER_IP: '1024',
  TRUST_PROXY: '1',
};

async function ensureDatabase(): Promise<LocalMongo | undefined> {
  if (process.env.TEST_MONGODB_URI) return undefined;
  const db = await startLocalMongo({ log: () => undefined });
  process.env.TEST_MONGODB_URI = db.uri;
  return db;
}

export async function startCampaignStack(opts: StackOptions = {}): Promise<StartedCampaignStack> {
  const ownDb = await ensureDatabase();
  const stack = await startStack({ ...opts, env: { ...PRODUCTION_TIMING, ...EDGE_SETTINGS, LOG_LEVEL: 'error', ...opts.env } });
  assertLoopback(stack.backendUrl);
  assertLoopback(stack.sandbox.baseUrl);
  const view = stack.sandbox.config;
  const m = view.direct;
  const platformKey = createPrivateKey(readFileSync(view.keys.platform.keyPath, 'utf8'));
  let alive = true;
  let current = stack;
  // The backend child is private to test/support/stack: `alive` tracks our own kills, and crashes show as a
  // failed /healthz in the scenarios.
  const staffTokens = new Map<string, string>();
  const openids = new Map<string, string>();
  const admin = stack.sandbox.admin;
  const sbUrl = stack.sandbox.baseUrl;
  return {
    backendUrl: stack.backendUrl,
    sandboxUrl: sbUrl,
    dbUri: stack.dbUri,
    jwtSecret: stack.env.JWT_SECRET!,
    notifyTransactionsPath: '/wechatpay/notify/transactions',
    notifyRefundsPath: '/wechatpay/notify/refunds',
    merchant: { mchid: m.mchid, appid: m.appid, apiV3Key: m.apiV3Key, serial: m.serial, privateKeyPem: m.privateKeyPem },
    otherMerchant: { mchid: view.institution.mchid, appid: view.institution.appid },
    platform: { privateKey: platformKey, serial: view.platformSerial },
    loginCustomer: (user) => current.loginCustomer(user),
    async staffToken(role) {
      const username = `campaign-${role}`;
      const cached = staffTokens.get(username);
      if (cached) return cached;
      const token = await staffToken(stack.backendUrl, stack.dbUri, username, role);
      staffTokens.set(username, token);
      return token;
    },
    async payInSandbox(user, order, payment) {
      let openid = openids.get(user);
      if (!openid) {
        openid = await current.openidOf(user);
        openids.set(user, openid);
      }
      const r = await current.payInSandbox(order.id, payment as unknown as PaymentParams, openid);
      if (r.status !== 200) throw new Error(`sandbox cashier answered ${r.status}: ${JSON.stringify(r.json)}`);
    },
    async setFaults(body) {
      if (body === 'reset') {
        const res = await fetch(`${sbUrl}/sandbox/faults`, { method: 'DELETE' });
        if (!res.ok) throw new Error(`DELETE /sandbox/faults: ${res.status}`);
        return;
      }
      const r = await admin.post('/sandbox/faults', body);
      if (r.status !== 200) throw new Error(`POST /sandbox/faults: ${r.status} ${JSON.stringify(r.json)}`);
    },
    async sandboxOrder(outTradeNo) {
      const r = (await admin.get(`/sandbox/orders?out_trade_no=${encodeURIComponent(outTradeNo)}`)) as { data: Record<string, unknown>[] };
      return r.data[0];
    },
    async sandboxRefunds(outTradeNo) {
      const out: Array<{ out_refund_no: string; status: string; amount: { refund: number } }> = [];
      for (let offset = 0; ; offset += 20) {
        const r = await signedRequest(
          sbUrl,
          m,
          'GET',
          `/v3/global/refunds?out_trade_no=${encodeURIComponent(outTradeNo)}&count=20&offset=${offset}&mchid=${m.mchid}`,
        );
        if (r.status === 404) return out;
        if (r.status !== 200) throw new Error(`sandbox refunds of ${outTradeNo}: ${r.status} ${r.text.slice(0, 200)}`);
        const page = (r.json.data ?? r.json.refunds ?? []) as typeof out;
        out.push(...page);
        if (page.length < 20) return out;
      }
    },
    addBackend: (env) => current.addBackend(env),
    backendAlive: () => alive,
    async killBackend() {
      await current.killBackend('SIGKILL');
      alive = false;
    },
    async restartBackend() {
      await current.restartBackend();
      alive = true;
    },
    async stop() {
      await current.stop().catch(() => undefined);
      await ownDb?.stop();
      current = stack;
    },
  };
}
