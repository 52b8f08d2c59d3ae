// Paid orders end to end on this machine, and what each costs: backend + sandbox + database as real processes
// (the test stack), 50 concurrent customers each looping: POST /api/orders (prepay at the sandbox + paySign) ->
// the sandbox cashier pays (verifies paySign, sends the signed, encrypted notification) -> GET /api/orders/:id?wait=1
// (answered once the order is settled, as the Mini Program asks; polled only if still pending). After a warm-up, one steady window measures throughput,
// latencies, CPU time per process (/proc/PID/stat) and database commands per database (counted at the write
// serializer). Then a burst of payments measures notification delivery alone, and the floor (the unavoidable
// crypto and database work per order, node:crypto + raw driver) is measured in this process.
//
//   npm run bench -- orders [--json FILE]
//   BENCH_WARMUP_MS=30000 BENCH_DURATION_MS=30000 BENCH_CUSTOMERS=50 BENCH_BURST=600 BENCH_FLOOR_ORDERS=1500
//   BENCH_POLL=1: the former client, polling GET /api/orders/:id 4 times a second instead of one waiting ask
//   Profiles: BACKEND_CPU_PROF=DIR / SANDBOX_CPU_PROF=DIR (V8, wall-clock samples), or perf with
//   NODE_OPTIONS=--perf-basic-prof (CPU samples per thread; docs/backend.md "Numbers"); with it,
//   BENCH_PERF_BURST=FILE records the backend over the burst with `perf record`
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { startStack } from '../test/support/stack';
import { measureFloor } from './lib/floor';
import { jsonClient } from './lib/json-client';
import { cpuMs, descendants, machineBusyMs } from './lib/proc';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 30000);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 30000);
const BURST = Number(process.env.BENCH_BURST ?? 600);
const FLOOR_ORDERS = Number(process.env.BENCH_FLOOR_ORDERS ?? 1500);
const POLL = process.env.BENCH_POLL === '1';
const jsonArg = process.argv.indexOf('--json');
const JSON_FILE = jsonArg > 0 ? process.argv[jsonArg + 1] : process.env.BENCH_JSON;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
const lat = (xs: number[]) => ({ p50: r1(pct(xs, 50)), p99: r1(pct(xs, 99)) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rsaCost(): Promise<{ signMs: number; verifyMs: number; signsPerSecParallel: number }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const msg = Buffer.from('POST\n/v3/global/transactions/jsapi\n1700000000\nNONCE\n{"amount":{"total":100}}\n');
  for (let i = 0; i < 50; i++) sign('sha256', msg, privateKey);
  let n = 400;
  let t = performance.now();
  let sig = Buffer.alloc(0);
  for (let i = 0; i < n; i++) sig = sign('sha256', msg, privateKey);
  const signMs = (performance.now() - t) / n;
  n = 4000;
  t = performance.now();
  for (let i = 0; i < n; i++) verify('sha256', msg, publicKey, sig);
  const verifyMs = (performance.now() - t) / n;
  n = 1600;
  t = performance.now();
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((r, j) => sign('sha256', msg, privateKey, (e) => (e ? j(e) : r())))));
  const signsPerSecParallel = n / ((performance.now() - t) / 1000);
  return { signMs, verifyMs, signsPerSecParallel };
}

/** The database in its own process (bench/lib/database-process.ts): FerretDB + the write serializer, or a mongod. */
async function startDatabase(): Promise<{
  uri: string;
  kind: string;
  child: ChildProcess;
  ask<T>(op: string): Promise<T>;
  stop(): Promise<void>;
}> {
  const child = fork(join(__dirname, 'lib', 'database-process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ uri: string; kind: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { uri: string; kind: string }));
    child.once('exit', (code) => reject(new Error(`database process exited with ${code}`)));
  });
  const ask = <T>(op: string) =>
    new Promise<T>((resolve) => {
      child.once('message', (m) => resolve(m as T));
      child.send({ op });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.send({ op: 'stop' });
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return { ...ready, child, ask, stop };
}

type Role = 'backend' | 'sandbox' | 'database' | 'proxy' | 'client';

function stackProcesses(dbChild: ChildProcess): Record<Role, number[]> {
  const procs = descendants(process.pid);
  const roles: Record<Role, number[]> = { backend: [], sandbox: [], database: [], proxy: [], client: [process.pid] };
  const dbTree = new Set([dbChild.pid!, ...descendants(dbChild.pid!).map((p) => p.pid)]);
  for (const p of procs) {
    if (p.cmdline.includes('server/src/main.ts')) roles.backend.push(p.pid);
    else if (p.cmdline.includes('server/sandbox/main.ts')) roles.sandbox.push(p.pid);
    else if (p.pid === dbChild.pid)
      roles.proxy.push(p.pid); // the write serializer runs in the database process
    else if (dbTree.has(p.pid) && /ferretdb|mongod/.test(p.comm + p.cmdline)) roles.database.push(p.pid);
  }
  return roles;
}

function cpuSnapshot(roles: Record<Role, number[]>): Record<Role, number> {
  const out = {} as Record<Role, number>;
  for (const [role, pids] of Object.entries(roles) as Array<[Role, number[]]>) out[role] = pids.reduce((s, pid) => s + cpuMs(pid), 0);
  return out;
}

function diff(a: Record<Role, number>, b: Record<Role, number>): Record<Role, number> {
  const out = {} as Record<Role, number>;
  for (const k of Object.keys(a) as Role[]) out[k] = b[k] - a[k];
  return out;
}

const dbName = (uri: string) => new URL(uri).pathname.replace(/^\//, '');

async function main(): Promise<void> {
  const rsa = await rsaCost();
  const db = await startDatabase();
  process.env.TEST_MONGODB_URI = db.uri;
  const stack = await startStack({
    env: {
      LOG_LEVEL: 'error',
      ORDER_SYNC_STALE_SECONDS: '3600',
      JOBS_INTERVAL_MS: '5000', // the production default: the jobs' periodic claims cost what they cost in production
      PENDING_QUERY_SCHEDULE_SECONDS: '30,60,120',
      // Each bench customer orders again the moment its last order is paid (2 orders a second and more): the
      // per-customer limit, set for people, would shed the load being measured.
      CUSTOMER_ORDERS_PER_MINUTE: '60000',
      CUSTOMER_ORDER_BURST: '1000',
      // The budget of calls to WeChat Pay (its per-merchant limit, 100/s by default) would cap the measured stack
      // near 93 orders/s; the bench measures what the stack itself can do (scenario 8 of the campaign tests the cap).
      WECHATPAY_MAX_CALLS_PER_SECOND: '5000',
      // To compare load-shedding settings: BENCH_ADMISSION_NOTIFICATIONS=16,1024,3500
      ...(process.env.BENCH_ADMISSION_NOTIFICATIONS ? { ADMISSION_NOTIFICATIONS: process.env.BENCH_ADMISSION_NOTIFICATIONS } : {}),
    },
    sandbox: { env: { SANDBOX_LOG_LEVEL: 'error' } },
  });
  const sandboxClient = new mongoose.mongo.MongoClient(stack.sandbox.dbUri);
  // The customers' and the cashier's requests in the load loops (stack.api and the sandbox admin use fetch).
  const backendHttp = jsonClient(stack.backendUrl);
  const cashierHttp = jsonClient(stack.sandbox.baseUrl);
  const cashierPay = (params: Record<string, unknown>) => cashierHttp.call('POST', '/sandbox/cashier/pay', { body: params });
  try {
    await sandboxClient.connect();
    const notifications = sandboxClient.db().collection('notifications');
    const roles = stackProcesses(db.child);
    for (const role of ['backend', 'sandbox', 'database', 'proxy'] as const) {
      if (!roles[role].length) process.stdout.write(`(no ${role} process found: its CPU is counted as 0)\n`);
    }
    const backendDb = dbName(stack.dbUri);
    const sandboxDb = dbName(stack.sandbox.dbUri);
    // Logins a few at a time, again after a shed answer (the backend admits 16 writes at once).
    const tokens: string[] = [];
    const openids: string[] = [];
    for (let i = 0; i < CUSTOMERS; i += 8) {
      const ids = Array.from({ length: Math.min(8, CUSTOMERS - i) }, (_, j) => i + j);
      await Promise.all(
        ids.map(async (n) => {
          for (let attempt = 0; ; attempt++) {
            try {
              tokens[n] = await stack.loginCustomer(`bench${n}`);
              break;
            } catch (err) {
              if (attempt >= 5) throw err;
              await sleep(1000);
            }
          }
          openids[n] = await stack.openidOf(`bench${n}`);
        }),
      );
    }

    // ---- steady load: a warm-up run, then the measured run ----
    // Each run ends by letting every customer finish the order in hand, so the measured run holds every order it
    // counts from start to PAID and nothing else: CPU time and commands divide exactly.
    const createMs: number[] = [];
    const payToPaidMs: number[] = [];
    const cashierMs: number[] = [];
    const orderToPaidMs: number[] = [];
    // Each measured order's cashier call (epoch ms), to place its notification's departure and answer on the way.
    const chain: Array<{ prepay: string; t1Epoch: number }> = [];
    let errors = 0;
    // Answers other than 201 (create) and 200 (cashier) in the measured window, by step, status and code.
    const errorKinds: Record<string, number> = {};
    const countError = (step: string, r: { status: number; json?: { code?: string } }) => {
      errors++;
      const key = `${step} ${r.status}${r.json?.code ? ` ${r.json.code}` : ''}`;
      errorKinds[key] = (errorKinds[key] ?? 0) + 1;
    };
    let seq = 0;
    const run = async (ms: number, record: boolean) => {
      const stopAt = Date.now() + ms;
      let paid = 0;
      await Promise.all(
        tokens.map(async (token, c) => {
          while (Date.now() < stopAt) {
            const t0 = performance.now();
            const created = await backendHttp.call('POST', '/api/orders', {
              token,
              body: { items: [{ sku: 'egg-tart', quantity: 1 + (seq % 5) }], clientRequestId: `bench-${c}-${seq++}-x` },
            });
            if (created.status !== 201) {
              if (record) countError('create', created);
              await sleep(500); // shed: come back, as the Mini Program would
              continue;
            }
            const t1 = performance.now();
            const t1Epoch = Date.now();
            const payment = await cashierPay({ ...created.json.payment, openid: openids[c], action: 'pay' });
            const tPaid = performance.now();
            if (payment.status !== 200) {
              if (record) countError('cashier', payment);
              continue;
            }
            // The Mini Program asks once, and the backend answers when the order is settled; polling is only the
            // fallback (BENCH_POLL=1: the former way, polling from the start, 4 a second).
            for (let first = !POLL; ; first = false) {
              const r = await backendHttp.call('GET', `/api/orders/${created.json.order.id}${first ? '?wait=1' : ''}`, { token });
              if (r.json?.status === 'PAID') break;
              await sleep(250);
            }
            const t2 = performance.now();
            paid++;
            if (record) {
              createMs.push(t1 - t0);
              chain.push({ prepay: String(created.json.payment.package).replace(/^prepay_id=/, ''), t1Epoch });
              payToPaidMs.push(t2 - t1);
              cashierMs.push(tPaid - t1);
              orderToPaidMs.push(t2 - t0);
            }
          }
        }),
      );
      return paid;
    };
    await run(WARMUP_MS, false);
    await db.ask('reset');
    const cpu0 = cpuSnapshot(roles);
    const busy0 = machineBusyMs();
    const windowStart = performance.now();
    const paidInWindow = await run(DURATION_MS, true);
    const windowEnd = performance.now();
    const cpu1 = cpuSnapshot(roles);
    const busy1 = machineBusyMs();
    const { counts, kinds } = await db.ask<{ counts: Record<string, number>; kinds: Record<string, number> }>('counts');
    const seconds = (windowEnd - windowStart) / 1000;
    const notified = await firstAttempts(
      sandboxClient.db(),
      chain.map((c) => c.prepay),
    );
    const sentMs: number[] = [];
    const answeredMs: number[] = [];
    for (const c of chain) {
      const n = notified.get(c.prepay);
      if (n?.sentAt === undefined || n.duration === undefined) continue;
      sentMs.push(n.sentAt - c.t1Epoch);
      answeredMs.push(n.sentAt + n.duration - c.t1Epoch);
    }
    const cpu = diff(cpu0, cpu1);
    const perOrder = (ms: number) => (paidInWindow ? ms / paidInWindow : NaN);

    // ---- a burst of payments: notification delivery alone ----
    const burstOrders: Array<{ payment: Record<string, string>; openid: string }> = [];
    const createBy = Date.now() + 30000;
    await Promise.all(
      tokens.map(async (token, c) => {
        for (let j = 0; j < Math.ceil(BURST / CUSTOMERS) && Date.now() < createBy;) {
          const created = await backendHttp.call('POST', '/api/orders', {
            token,
            body: { items: [{ sku: 'egg-tart', quantity: 1 }], clientRequestId: `burst-${c}-${j}` },
          });
          if (created.status === 201) {
            burstOrders.push({ payment: created.json.payment, openid: openids[c]! });
            j++;
          } else await sleep(500); // shed: come back, as the Mini Program would
        }
      }),
    );
    await sleep(1500);
    const before = await notifications.estimatedDocumentCount();
    // BENCH_PERF_BURST=FILE: perf samples of the backend over the burst (run with NODE_OPTIONS=--perf-basic-prof).
    const perf = process.env.BENCH_PERF_BURST
      ? spawn('perf', ['record', '-F', '999', '-g', '-o', process.env.BENCH_PERF_BURST, '-p', roles.backend.join(',')], { stdio: 'ignore' })
      : undefined;
    if (perf) await sleep(500);
    const bcpu0 = cpuSnapshot(roles);
    const tb0 = performance.now();
    const pays = await Promise.all(burstOrders.map((o) => cashierPay({ ...o.payment, openid: o.openid, action: 'pay' })));
    const payErrors = pays.filter((p) => p.status !== 200).length;
    const expected = before + pays.length - payErrors;
    let tb1 = performance.now();
    for (const deadline = Date.now() + 30000; Date.now() < deadline;) {
      // Every notification of the burst has had its first attempt (answered, failed or timed out): the sandbox
      // writes a notification when its first attempt ends, so counting them is enough (a cheap count: a query
      // over every notification ten times a second cost the database more than the payments it measures).
      if ((await notifications.estimatedDocumentCount()) >= expected) break;
      await sleep(100);
    }
    tb1 = performance.now();
    const bcpu = diff(bcpu0, cpuSnapshot(roles));
    if (perf) {
      const exited = new Promise((r) => perf.once('exit', r));
      perf.kill('SIGINT');
      await exited;
    }
    // First attempts of the burst's notifications: answered 2xx, or how they failed.
    const burstFirsts = [
      ...(
        await firstAttempts(
          sandboxClient.db(),
          burstOrders.map((o) => o.payment.package!.replace(/^prepay_id=/, '')),
        )
      ).values(),
    ];
    const firstOk = burstFirsts.filter((d) => d.ok).length;
    const failures: Record<string, number> = {};
    for (const d of burstFirsts.filter((x) => !x.ok)) {
      // The backend answers 503 both when admission sheds (at once when its queue is full, after the maximum
      // wait otherwise) and at its answer deadline: the time taken tells them apart.
      const took =
        d.duration === undefined
          ? ''
          : d.duration < 1000
            ? ' <1s'
            : ` ${Math.floor(d.duration / 1000)}-${Math.floor(d.duration / 1000) + 1}s`;
      const key = d.status ? `HTTP ${d.status}${took}` : `${d.error ?? 'unknown'}${took}`;
      failures[key] = (failures[key] ?? 0) + 1;
    }
    const burstSeconds = (tb1 - tb0) / 1000;

    // ---- the floor, in this process, with the stack idle ----
    const floor = await measureFloor(db.uri, FLOOR_ORDERS, CUSTOMERS);

    const result = {
      paidOrdersPerSec: r1(paidInWindow / seconds),
      cpuMsPerPaidOrder: {
        backend: r2(perOrder(cpu.backend)),
        sandbox: r2(perOrder(cpu.sandbox)),
        database: r2(perOrder(cpu.database)),
        proxy: r2(perOrder(cpu.proxy)),
        client: r2(perOrder(cpu.client)),
      },
      dbCommandsPerPaidOrder: { backend: r2(perOrder(counts[backendDb] ?? NaN)), sandbox: r2(perOrder(counts[sandboxDb] ?? NaN)) },
      createMs: lat(createMs),
      payToPaidMs: lat(payToPaidMs),
      cashierMs: lat(cashierMs),
      notificationSentMs: lat(sentMs),
      notificationAnsweredMs: lat(answeredMs),
      orderToPaidMs: lat(orderToPaidMs),
      notificationsPerSec: r1(firstOk / burstSeconds),
      backendCpuMsPerNotification: r2(bcpu.backend / Math.max(1, pays.length - payErrors)),
      floorCpuMsPerPaidOrder: r2(floor.cpuMsPerOrder),
      backendToFloor: r1(perOrder(cpu.backend) / floor.cpuMsPerOrder),
      // The database does the same commands per order in every run: its CPU is a control for the machine's speed.
      backendToDatabase: Math.round((perOrder(cpu.backend) / perOrder(cpu.database)) * 100) / 100,
      sandboxToDatabase: Math.round((perOrder(cpu.sandbox) / perOrder(cpu.database)) * 100) / 100,
    };

    const stackCpu = Object.values(cpu).reduce((a, b) => a + b, 0);
    const standIns = cpu.database + cpu.proxy + cpu.sandbox;
    const capacity = availableParallelism() * (windowEnd - windowStart);
    const out = (s: string) => process.stdout.write(`${s}\n`);
    out(
      `cores: ${availableParallelism()}   customers: ${CUSTOMERS}   warm-up ${(WARMUP_MS / 1000).toFixed(0)} s, measured ${seconds.toFixed(1)} s (${(DURATION_MS / 1000).toFixed(0)} s + the orders in hand)   errors: ${errors}${errors ? ` ${JSON.stringify(errorKinds)}` : ''}   database: ${db.kind}`,
    );
    out(`paid orders end to end: ${paidInWindow}  ->  ${result.paidOrdersPerSec} orders/s`);
    out(`  create (POST /api/orders: prepay + paySign)        p50 ${result.createMs.p50} ms  p99 ${result.createMs.p99} ms`);
    out(`  cashier pay -> GET shows PAID (wait / poll)         p50 ${result.payToPaidMs.p50} ms  p99 ${result.payToPaidMs.p99} ms`);
    out(`    of which the sandbox cashier's own answer         p50 ${result.cashierMs.p50} ms  p99 ${result.cashierMs.p99} ms`);
    out(
      `    the notification left the sandbox after            p50 ${result.notificationSentMs.p50} ms  p99 ${result.notificationSentMs.p99} ms`,
    );
    out(
      `    the backend answered it (order PAID) after          p50 ${result.notificationAnsweredMs.p50} ms  p99 ${result.notificationAnsweredMs.p99} ms`,
    );
    out(`  order -> paid (create, cashier, notification, GET) p50 ${result.orderToPaidMs.p50} ms  p99 ${result.orderToPaidMs.p99} ms`);
    out('');
    out('CPU time per paid order (utime+stime from /proc/PID/stat), and database commands at the write serializer:');
    out(`  ${'process'.padEnd(26)} ${'ms/order'.padStart(9)} ${'share'.padStart(7)} ${'db cmds/order'.padStart(14)}`);
    const row = (label: string, role: Role, cmds?: number) =>
      out(
        `  ${label.padEnd(26)} ${perOrder(cpu[role]).toFixed(2).padStart(9)} ${`${((cpu[role] / stackCpu) * 100).toFixed(0)}%`.padStart(7)} ${cmds === undefined ? '' : cmds.toFixed(2).padStart(14)}`,
      );
    row(`backend (${roles.backend.join(',')})`, 'backend', result.dbCommandsPerPaidOrder.backend);
    row(`sandbox (${roles.sandbox.join(',')})`, 'sandbox', result.dbCommandsPerPaidOrder.sandbox);
    row(`database (${roles.database.join(',')})`, 'database');
    row(`write serializer (${roles.proxy.join(',')})`, 'proxy');
    row(`client (${roles.client.join(',')})`, 'client');
    out(`  ${'all of the stack'.padEnd(26)} ${perOrder(stackCpu).toFixed(2).padStart(9)}`);
    // Where the round trips go (by command and collection), so that a change can be aimed at one.
    for (const [who, name] of [
      ['backend', backendDb],
      ['sandbox', sandboxDb],
    ] as const) {
      const byKind = Object.entries(kinds)
        .filter(([k]) => k.startsWith(`${name} `))
        .sort((a, b) => b[1] - a[1]);
      out(
        `  ${who} commands per paid order: ${byKind.map(([k, n]) => `${k.slice(name.length + 1)} ${perOrder(n).toFixed(2)}`).join(', ')}`,
      );
    }
    out(
      `  stand-ins (FerretDB, write serializer, sandbox): ${((standIns / stackCpu) * 100).toFixed(0)}% of the stack's CPU, ${((standIns / capacity) * 100).toFixed(0)}% of the machine's ${availableParallelism()} cores over the window`,
    );
    out(
      `  the stack used ${((stackCpu / capacity) * 100).toFixed(0)}% of the machine; the whole machine was ${(((busy1 - busy0) / capacity) * 100).toFixed(0)}% busy (other work included)`,
    );
    out('');
    out(
      `burst: ${pays.length} payments at once (${payErrors} refused), first deliveries ${firstOk} ok of ${burstFirsts.length} in ${burstSeconds.toFixed(1)} s -> ${result.notificationsPerSec}/s; failed first: ${JSON.stringify(failures)}`,
    );
    out(
      `  backend CPU per notification ${result.backendCpuMsPerNotification} ms; sandbox ${r2(bcpu.sandbox / Math.max(1, pays.length))} ms, database ${r2(bcpu.database / Math.max(1, pays.length))} ms, serializer ${r2(bcpu.proxy / Math.max(1, pays.length))} ms per payment`,
    );
    out('');
    out(
      `floor (2 RSA signs, 2 verifies, 1 AES-GCM decrypt, insert + conditional update + read; node:crypto + raw driver): ${result.floorCpuMsPerPaidOrder} ms CPU per order (${floor.ordersPerSec.toFixed(0)} orders/s at ${CUSTOMERS} in flight)`,
    );
    out(`  backend / floor: ${result.backendToFloor}x`);
    out(
      `  backend / database CPU ${result.backendToDatabase}, sandbox / database ${result.sandboxToDatabase} (same commands every run: compares runs on a machine whose speed drifts)`,
    );
    out(
      `RSA-2048 here: sign ${rsa.signMs.toFixed(3)} ms, verify ${rsa.verifyMs.toFixed(3)} ms (one thread); thread-pool signing ${rsa.signsPerSecParallel.toFixed(0)}/s`,
    );
    out(`  ceiling, every signature on this machine (4 signs per order, all cores): ${(rsa.signsPerSecParallel / 4).toFixed(0)} orders/s`);
    out('');
    out(JSON.stringify(result));
    if (JSON_FILE) writeFileSync(JSON_FILE, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    backendHttp.close();
    cashierHttp.close();
    await sandboxClient.close().catch(() => undefined);
    await stack.stop();
    await db.stop();
  }
}

type FirstAttempt = { ok: boolean; status?: number; error?: string; duration?: number; sentAt?: number };

/**
 * The first delivery attempt of each payment notification, by the prepay id its order was paid with: how it
 * ended, when it left the sandbox and how long its answer took (from the notification's own log, or from the
 * separate delivery collection of earlier sandbox versions).
 */
async function firstAttempts(sdb: mongoose.mongo.Db, prepays: string[]): Promise<Map<string, FirstAttempt>> {
  const orders = await sdb
    .collection('orders')
    .find({ prepay_id: { $in: prepays } }, { projection: { out_trade_no: 1, prepay_id: 1 } })
    .toArray();
  const prepayOf = new Map(orders.map((o) => [o.out_trade_no as string, o.prepay_id as string]));
  const notes = await sdb
    .collection('notifications')
    .find(
      { out_trade_no: { $in: [...prepayOf.keys()] }, event_type: 'TRANSACTION.SUCCESS' },
      { projection: { out_trade_no: 1, deliveries: 1 } },
    )
    .toArray();
  type Logged = { kind: string; attempt: number; ok: boolean; status?: number; error?: string; duration_ms?: number; sent_at?: Date };
  const toFirst = (d: Logged): FirstAttempt => ({
    ok: Boolean(d.ok),
    status: d.status ?? undefined,
    error: d.error ?? undefined,
    duration: d.duration_ms,
    sentAt: d.sent_at ? new Date(d.sent_at).getTime() : undefined,
  });
  const separate = new Map<string, Logged>();
  if (!notes.some((n) => Array.isArray(n.deliveries))) {
    const ds = await sdb
      .collection('deliveries')
      .find({ event_id: { $in: notes.map((n) => n._id) }, kind: 'delivery', attempt: 1 })
      .toArray();
    for (const d of ds) separate.set(String(d.event_id), d as unknown as Logged);
  }
  const out = new Map<string, FirstAttempt>();
  for (const n of notes) {
    const first = Array.isArray(n.deliveries)
      ? (n.deliveries as Logged[]).find((d) => d.kind === 'delivery' && d.attempt === 1)
      : separate.get(String(n._id));
    if (first) out.set(prepayOf.get(n.out_trade_no as string)!, toFirst(first));
  }
  return out;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
