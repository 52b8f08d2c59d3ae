// 9. Hostile edges: what scenarios 6 and 7 did not send. (a) Slow and unfinished bodies: sockets dribbling the
// bodies of POST /api/auth/login, /api/orders and the transactions notification URL, plus idle keep-alive
// sockets, while genuine orders, logins, refunds and notifications run: their p50 stays within 2x of a baseline
// taken just before, and every unfinished body is dropped (408 or closed) within a few seconds. (b) Concurrent
// staff login bursts over two backend instances: at most the limit's number of passwords checked, and the owner
// still logs in from their own address. (c) The path sweep: every guarded route in case variants, trailing and
// double slashes, encoded slashes and dot segments, with no token and the wrong role: 401/403/404/405 only.
// (d) Astral-plane and odd text in every text field: never 5xx, nothing stored beyond the text limits.
// (e) Refused logins under random usernames add O(1) documents, not one each.
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { seedStaff, TEST_STAFF_PASSWORD } from '../../../test/support/staff';
import { CampaignDb } from '../lib/database';
import { endpointCatalog, fillPath } from '../lib/endpoints';
import { loginUsers, paidTransaction, payOrders, placeOrders, type PlacedOrder } from '../lib/fixtures';
import { HttpClient } from '../lib/http';
import { buildNotification } from '../lib/notifications';
import { runPool } from '../lib/pool';
import { Invariants, type Scenario, type ScenarioResult } from '../lib/scenario';
import { activeProduct, waitFor } from '../lib/shop';
import { Latency, round } from '../lib/stats';

const BODY_TIMEOUT_MS = 5000;
/** An unfinished body must be dropped within the body deadline plus this slack. */
const DROP_SLACK_MS = 3000;

type Kind = 'order' | 'login' | 'refund' | 'notify';

interface Genuine {
  run(kind: Kind, i: number): Promise<number>;
}

/** One slow client: headers, then one byte of a never-finished body every `everyMs`. Resolves with ms to drop. */
function dribble(host: string, port: number, path: string, everyMs: number, stopAt: number): Promise<{ ms: number; how: string }> {
  return new Promise((resolve) => {
    const start = performance.now();
    const s: Socket = connect({ host, port });
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    let got = '';
    const finish = (how: string) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      s.destroy();
      resolve({ ms: performance.now() - start, how });
    };
    s.on('connect', () => {
      s.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{"a":"`);
      timer = setInterval(() => {
        if (Date.now() > stopAt + BODY_TIMEOUT_MS + DROP_SLACK_MS + 5000) finish('still-open');
        else s.write('x');
      }, everyMs);
    });
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (/^HTTP\/1\.1 (\d{3})/.test(got)) finish(`status-${/^HTTP\/1\.1 (\d{3})/.exec(got)![1]}`);
    });
    s.on('close', () => finish('closed'));
    s.on('error', () => finish('closed'));
  });
}

/** An idle keep-alive socket: one GET /healthz, then nothing until `stopAt`. */
function idle(host: string, port: number, stopAt: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.on('connect', () => s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n'));
    s.on('data', () => undefined);
    const t = setTimeout(() => {
      s.destroy();
      resolve(true);
    }, stopAt - Date.now());
    s.on('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

const ASTRAL: Record<string, string> = {
  emoji: '😀👍🏽👨‍👩‍👧',
  cjkExtB: '𠀀𠀁𪜀𫝀',
  combining: 'e\u0301\u0302\u0303\u0304a\u0308',
  rtl: '\u202Eabc\u202C\u200F\u061C',
  loneHigh: 'ab\uD800cd',
  loneLow: 'ab\uDC00cd',
  emoji20: '😀'.repeat(20),
  emoji21: '😀'.repeat(21),
  emoji40: '😀'.repeat(40),
  cjk65: '𠀀'.repeat(65),
  cjk300: '𠀀'.repeat(300),
};

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');
const hasLoneSurrogate = (s: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

export const hostileEdges: Scenario = {
  id: 9,
  name: 'hostile edges',
  budgetMs: (short) => (short ? 120_000 : 300_000),
  async run(ctx): Promise<ScenarioResult> {
    const { stack, short } = ctx;
    const http = new HttpClient(stack.backendUrl, { timeoutMs: 30_000, maxSockets: 32 });
    const db = await CampaignDb.open(stack.dbUri);
    const inv = new Invariants();
    const figures: ScenarioResult['figures'] = {};
    const u = new URL(stack.backendUrl);
    const host = u.hostname;
    const port = Number(u.port);
    try {
      // --- fixtures: customers, paid orders for refunds and notifications, staff tokens.
      const users = await loginUsers(stack, 'edges', 4);
      const product = await activeProduct(http);
      const paid: PlacedOrder[] = await placeOrders(http, stack, users, short ? 20 : 40, 'edges-paid', 8);
      await payOrders(stack, paid);
      await waitFor(
        async () => (await db.orders({ outTradeNo: { $in: paid.map((o) => o.outTradeNo) }, status: 'PAID' })).length === paid.length,
        30_000,
      );
      const txs = await Promise.all(paid.map((o) => paidTransaction(stack, o.outTradeNo)));
      const admin = await stack.staffToken('admin');
      const viewer = await stack.staffToken('viewer');
      const customer = users[0]!;

      // --- (a) slow and unfinished bodies.
      const genuine: Genuine = {
        async run(kind, i) {
          const start = performance.now();
          let status: number;
          if (kind === 'order') {
            const r = await http.json(
              'POST',
              '/api/orders',
              { items: [{ sku: product.sku, quantity: 1 }], clientRequestId: `edges-${randomUUID()}` },
              users[i % users.length]!.token,
            );
            status = r.status;
          } else if (kind === 'login') {
            await stack.loginCustomer(`edges-login-${i % 8}`);
            status = 200;
          } else if (kind === 'refund') {
            const o = paid[i % paid.length]!;
            const r = await http.json(
              'POST',
              `/api/admin/orders/${o.id}/refunds`,
              { amount: 1, requestId: `edges-r-${randomUUID()}`.slice(0, 64) },
              admin,
            );
            status = r.status;
          } else {
            const d = buildNotification({
              signer: stack.platform,
              apiV3Key: stack.merchant.apiV3Key,
              eventType: 'TRANSACTION.SUCCESS',
              resource: txs[i % txs.length]!,
              eventId: randomUUID(),
            });
            const r = await http.send({ method: 'POST', path: stack.notifyTransactionsPath, headers: d.headers, body: d.body });
            status = r.status;
          }
          if (status >= 500 || status === 0) throw new Error(`${kind} answered ${status}`);
          return performance.now() - start;
        },
      };
      const KINDS: Kind[] = ['order', 'login', 'refund', 'notify'];
      const perKind = short ? 12 : 30;
      const measure = async () => {
        const lat = new Map<Kind, Latency>(KINDS.map((k) => [k, new Latency()]));
        let errors = 0;
        const jobs = KINDS.flatMap((k) => Array.from({ length: perKind }, (_, i) => ({ k, i })));
        await runPool(jobs, 4, async ({ k, i }) => {
          try {
            lat.get(k)!.record(await genuine.run(k, i));
          } catch {
            errors++;
          }
        });
        return { lat, errors };
      };
      const baseline = await measure();
      const slowPaths = ['/api/auth/login', '/api/orders', stack.notifyTransactionsPath];
      const attackMs = short ? 12_000 : 20_000;
      const stopAt = Date.now() + attackMs;
      const drops: { ms: number; how: string }[] = [];
      const dribblers = Array.from({ length: 200 }, async (_, i) => {
        while (Date.now() < stopAt) drops.push(await dribble(host, port, slowPaths[i % slowPaths.length]!, 400 + (i % 5) * 200, stopAt));
      });
      const idlers = Array.from({ length: 200 }, () => idle(host, port, stopAt));
      await new Promise((r) => setTimeout(r, 1000));
      const under = await measure();
      const idleHeld = (await Promise.all(idlers)).filter(Boolean).length;
      await Promise.all(dribblers);
      // A second baseline after the attack: on a shared 2-core machine one window of 30 samples swings 2x on
      // its own (refund p50 80-195 ms from run to run), so the slower of the two windows around the attack is
      // the baseline.
      const after = await measure();
      const maxDropMs = Math.max(0, ...drops.map((d) => d.ms));
      const late = drops.filter((d) => d.ms > BODY_TIMEOUT_MS + DROP_SLACK_MS || d.how === 'still-open').length;
      const hows = new Map<string, number>();
      for (const d of drops) hows.set(d.how, (hows.get(d.how) ?? 0) + 1);
      for (const k of KINDS) {
        const before = baseline.lat.get(k)!.percentile(50);
        const afterwards = after.lat.get(k)!.percentile(50);
        const b = Math.max(before, afterwards);
        const a = under.lat.get(k)!.percentile(50);
        figures[`${k}P50ms`] = `${round(before)}/${round(afterwards)}->${round(a)}`;
        // 2x the baseline, with 5 ms of slack so that a 3 ms baseline does not fail on scheduler noise.
        inv.atMost(round(a), round(2 * b + 5), `${k} p50 under slow clients (ms) vs 2x baseline ${round(b)}`);
      }
      figures.genuineErrors = `${baseline.errors}/${under.errors}/${after.errors}`;
      figures.unfinishedBodies = drops.length;
      figures.dropped = [...hows].map(([k, v]) => `${k}:${v}`).join(',');
      figures.maxDropMs = round(maxDropMs, 0);
      figures.idleHeld = idleHeld;
      inv.equal(under.errors + baseline.errors + after.errors, 0, 'genuine requests answered 5xx or not at all');
      inv.equal(late, 0, `unfinished bodies not dropped within ${(BODY_TIMEOUT_MS + DROP_SLACK_MS) / 1000} s`);
      inv.check(
        drops.every((d) => d.how === 'closed' || d.how === 'status-408' || d.how === 'status-413' || d.how === 'status-503'),
        `unexpected answers to unfinished bodies: ${figures.dropped}`,
      );
      inv.check((await http.json('GET', '/healthz')).status === 200, 'backend not healthy after the slow clients');

      // --- (b) concurrent login bursts over two instances.
      const second = await stack.addBackend({ INSTANCE_ID: 'edges-two' });
      const http2 = new HttpClient(second.url, { timeoutMs: 30_000 });
      try {
        const login = (c: HttpClient, username: string, password: string, from: string) =>
          c.send({
            method: 'POST',
            path: '/api/admin/login',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
            body: JSON.stringify({ username, password }),
          });
        const owner = `edges-owner-${Date.now().toString(36)}`;
        await seedStaff(stack.dbUri, owner, 'viewer');
        const home = '198.51.100.77';
        const first = await login(http, owner, TEST_STAFF_PASSWORD, home);
        inv.equal(first.status, 200, 'owner first login from home');
        // Same address, 16 at once over both instances: at most STAFF_LOGIN_MAX_PER_USER_ADDRESS (5) checks.
        const pairName = `edges-pair-${Date.now().toString(36)}`;
        await seedStaff(stack.dbUri, pairName, 'viewer');
        const pair = await Promise.all(
          Array.from({ length: 16 }, (_, i) => login(i % 2 ? http2 : http, pairName, `wrong-${i}`, '203.0.113.10')),
        );
        const pairChecked = pair.filter((r) => r.status === 401 || r.status === 200).length;
        // 60 addresses at once over both instances: at most STAFF_LOGIN_MAX_PER_USER (10) checks.
        const burst = await Promise.all(
          Array.from({ length: 60 }, (_, i) => login(i % 2 ? http2 : http, owner, 'wrong-password', `192.0.2.${i + 1}`)),
        );
        const burstChecked = burst.filter((r) => r.status === 401 || r.status === 200).length;
        // 503 is the admission control shedding a login (retryable), not an error: counted apart.
        const shed = [...pair, ...burst].filter((r) => r.status === 503).length;
        const bad5xx = [...pair, ...burst].filter((r) => r.status >= 500 && r.status !== 503).length;
        const userDocs = await db
          .collection('staff_login_attempts')
          .find({ key: `user:${owner}` })
          .toArray();
        const dbFailures = userDocs.reduce((a, d) => a + Number(d.failures ?? 0), 0);
        const ownerAfter = await login(http2, owner, TEST_STAFF_PASSWORD, home);
        figures.pairChecked = `${pairChecked}/16`;
        figures.burstChecked = `${burstChecked}/60`;
        figures.dbUserFailures = dbFailures;
        figures.loginShed = shed;
        figures.ownerAfterBurst = ownerAfter.status;
        inv.atMost(pairChecked, 5, 'passwords checked for one (username, address) in a 2-instance burst');
        inv.atMost(burstChecked, 10, 'passwords checked for one username from new addresses in a 2-instance burst');
        inv.atMost(dbFailures, 10, 'failures counted in staff_login_attempts for the username');
        inv.equal(bad5xx, 0, 'login burst 5xx');
        inv.equal(ownerAfter.status, 200, 'owner login from their own address after the burst');

        // --- (e) audit growth per refused request.
        // The audit (audit_log, audit_login_refusals) must not grow per refused request. The limiter's own
        // buckets (staff_login_attempts) are counted apart: they are pruned after the window.
        const count = async (names: string[]) =>
          (await Promise.all(names.map((c) => db.collection(c).countDocuments({})))).reduce((a, b) => a + b, 0);
        const audit = ['audit_log', 'audit_login_refusals'];
        const before = await count(audit);
        const limiterBefore = await count(['staff_login_attempts']);
        const n = short ? 100 : 300;
        await runPool(
          Array.from({ length: n }, (_, i) => i),
          8,
          (i) => login(i % 2 ? http2 : http, `edges-nobody-${randomUUID()}`, 'wrong', `203.0.113.${(i % 50) + 100}`),
        );
        const grown = (await count(audit)) - before;
        figures.refusedLogins = n;
        figures.auditDocsAdded = grown;
        figures.limiterDocsAdded = (await count(['staff_login_attempts'])) - limiterBefore;
        inv.atMost(grown, 2, `audit documents added by ${n} refused logins under random usernames`);
      } finally {
        http2.close();
        await second.stop();
      }

      // --- (c) the path sweep.
      const catalog = endpointCatalog({
        orderId: paid[0]!.id,
        notifyTransactionsPath: stack.notifyTransactionsPath,
        notifyRefundsPath: stack.notifyRefundsPath,
      });
      const guarded = catalog.filter((e) => e.auth === 'customer' || e.auth === 'staff');
      guarded.push({ name: 'unlock', method: 'POST', path: '/api/admin/staff/nobody/unlock', auth: 'staff', body: {} });
      const variants = (p: string): string[] => {
        const segs = p.split('/');
        const last = segs.length - 1;
        return [
          p,
          p.toUpperCase(),
          p.replace(/[a-z]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c)),
          `${p}/`,
          `${p}//`,
          `/${p}`,
          p.replace('/api/', '/api//'),
          p.replace('/api/', '/api%2F').replace(/^\//, '/'),
          p.replace(/\//g, '%2F').replace(/^%2F/, '/'),
          p.replace('/api/', '/api/./'),
          p.replace('/api/', '/api/x/../'),
          p.replace('/api/', '/api/%2e/'),
          p.replace('/api/', '/api/x/%2e%2e/'),
          `${segs.slice(0, last).join('/')}/${encodeURIComponent(segs[last]!)}%2F`,
          p.replace('/api', '/API/'),
          `${p}?`,
          `${p};x=1`,
        ];
      };
      let sweep = 0;
      const sweepStatuses = new Map<number, number>();
      const sweepBad: string[] = [];
      for (const e of guarded) {
        const wrong = e.auth === 'customer' ? viewer : customer.token;
        for (const path of variants(fillPath(e.path, paid[0]!.id))) {
          for (const token of [undefined, wrong]) {
            for (const method of [e.method, e.method === 'GET' ? 'POST' : 'GET']) {
              const r = await http.json(method, path, method === 'POST' ? (e.body ?? {}) : undefined, token).catch(() => undefined);
              const s = r?.status ?? 0;
              sweep++;
              sweepStatuses.set(s, (sweepStatuses.get(s) ?? 0) + 1);
              if (![401, 403, 404, 405].includes(s)) sweepBad.push(`${method} ${path} ${token ? 'wrong-role' : 'no-token'} -> ${s}`);
            }
          }
        }
      }
      figures.sweepRequests = sweep;
      figures.sweepStatuses = [...sweepStatuses]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => `${k}:${v}`)
        .join(',');
      inv.check(
        sweepBad.length === 0,
        `${sweepBad.length} path variants not answered 401/403/404/405: ${sweepBad.slice(0, 10).join('; ')}`,
      );

      // --- (d) astral-plane text in every text field.
      const refundTarget = paid[paid.length - 1]!;
      const textCases: { what: string; method: string; path: string; token?: string; body: (v: string) => unknown }[] = [
        { what: 'login.code', method: 'POST', path: '/api/auth/login', body: (v) => ({ code: v }) },
        { what: 'staff.username', method: 'POST', path: '/api/admin/login', body: (v) => ({ username: v, password: 'x' }) },
        { what: 'staff.password', method: 'POST', path: '/api/admin/login', body: (v) => ({ username: 'edges-nobody', password: v }) },
        {
          what: 'order.sku',
          method: 'POST',
          path: '/api/orders',
          token: customer.token,
          body: (v) => ({ items: [{ sku: v, quantity: 1 }], clientRequestId: `edges-t-${randomUUID()}` }),
        },
        {
          what: 'order.clientRequestId',
          method: 'POST',
          path: '/api/orders',
          token: customer.token,
          body: (v) => ({ items: [{ sku: product.sku, quantity: 1 }], clientRequestId: v }),
        },
        {
          what: 'refund.reason',
          method: 'POST',
          path: `/api/admin/orders/${refundTarget.id}/refunds`,
          token: admin,
          body: (v) => ({ amount: 1, reason: v, requestId: `edges-t-${randomUUID()}`.slice(0, 64) }),
        },
        {
          what: 'refund.requestId',
          method: 'POST',
          path: `/api/admin/orders/${refundTarget.id}/refunds`,
          token: admin,
          body: (v) => ({ amount: 1, reason: 'edges', requestId: v }),
        },
        {
          what: 'pos.description',
          method: 'POST',
          path: '/api/admin/pos/charge',
          token: admin,
          body: (v) => ({ authCode: '134567890123456789', amount: 1, description: v, requestId: `edges-p-${randomUUID()}`.slice(0, 64) }),
        },
        {
          what: 'pos.authCode',
          method: 'POST',
          path: '/api/admin/pos/charge',
          token: admin,
          body: (v) => ({ authCode: v, amount: 1, description: 'edges', requestId: `edges-p-${randomUUID()}`.slice(0, 64) }),
        },
        {
          what: 'pos.requestId',
          method: 'POST',
          path: '/api/admin/pos/charge',
          token: admin,
          body: (v) => ({ authCode: '134567890123456789', amount: 1, description: 'edges', requestId: v }),
        },
        {
          what: 'cashier.action',
          method: 'POST',
          path: '/api/sandbox/cashier',
          token: customer.token,
          body: (v) => ({ orderId: paid[0]!.id, payment: paid[0]!.payment, action: v }),
        },
      ];
      let textRequests = 0;
      const text5xx: string[] = [];
      const textStatuses = new Map<number, number>();
      for (const c of textCases) {
        for (const [name, v] of Object.entries(ASTRAL)) {
          const r = await http.json(c.method, c.path, c.body(v), c.token).catch(() => undefined);
          const s = r?.status ?? 0;
          textRequests++;
          textStatuses.set(s, (textStatuses.get(s) ?? 0) + 1);
          if (s >= 500 || s === 0) text5xx.push(`${c.what}=${name} -> ${s}`);
        }
      }
      for (const [name, v] of Object.entries(ASTRAL)) {
        // A lone surrogate cannot be percent-encoded as UTF-8: send its raw CESU bytes' encoding instead.
        const enc = hasLoneSurrogate(v)
          ? v.replace(/[\uD800-\uDFFF]/g, '%ED%A0%80').replace(/[^%A-Za-z0-9]/g, encodeURIComponent)
          : encodeURIComponent(v);
        const r = await http.json('GET', `/api/admin/orders?outTradeNo=${enc}`, undefined, admin).catch(() => undefined);
        const s = r?.status ?? 0;
        textRequests++;
        textStatuses.set(s, (textStatuses.get(s) ?? 0) + 1);
        if (s >= 500 || s === 0) text5xx.push(`admin-orders.outTradeNo=${name} -> ${s}`);
      }
      // Nothing stored beyond the limits, and no lone surrogate stored.
      const stored: string[] = [];
      for (const r of await db.collection('refunds').find({}).project({ reason: 1 }).toArray()) {
        const reason = typeof r.reason === 'string' ? r.reason : '';
        if (utf8(reason) > 80 || hasLoneSurrogate(reason)) stored.push(`refund reason of ${utf8(reason)} bytes`);
      }
      for (const o of await db.collection('orders').find({}).project({ description: 1 }).toArray()) {
        const d = typeof o.description === 'string' ? o.description : '';
        if (utf8(d) > 127 || hasLoneSurrogate(d)) stored.push(`order description of ${utf8(d)} bytes`);
      }
      for (const s of await db.collection('staff_users').find({}).project({ username: 1 }).toArray()) {
        const n = typeof s.username === 'string' ? s.username : '';
        if ([...n].length > 64 || hasLoneSurrogate(n)) stored.push(`staff username of ${[...n].length} code points`);
      }
      figures.textRequests = textRequests;
      figures.textStatuses = [...textStatuses]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => `${k}:${v}`)
        .join(',');
      figures.storedBeyondLimits = stored.length;
      inv.check(text5xx.length === 0, `${text5xx.length} text probes answered 5xx or not at all: ${text5xx.slice(0, 10).join('; ')}`);
      inv.check(stored.length === 0, `stored beyond the text limits: ${stored.slice(0, 10).join('; ')}`);
      return { violations: inv.violations, figures };
    } finally {
      http.close();
      await db.close();
    }
  },
};
