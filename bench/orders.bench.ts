// Orders per second end to end on this machine: backend + sandbox + database as real processes (test stack),
// 50 concurrent customers each looping: POST /api/orders (prepay at the sandbox + paySign) -> the sandbox
// cashier pays (verifies paySign, sends the signed, encrypted notification) -> GET /api/orders/:id until PAID.
// Printed beside the ceiling RSA alone would set, measured in the same run: RSA-2048 operations per order x
// their cost, with signing on libuv's thread pool (as the client does).
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { startLocalMongo } from '../tools/localdb/server';
import { startStack } from '../test/support/stack';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 15000);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

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
  // Thread-pool signing, as the backend does it (callback form): the whole machine's signing rate.
  n = 1600;
  t = performance.now();
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((r, j) => sign('sha256', msg, privateKey, (e) => (e ? j(e) : r())))));
  const signsPerSecParallel = n / ((performance.now() - t) / 1000);
  return { signMs, verifyMs, signsPerSecParallel };
}

async function main(): Promise<void> {
  const rsa = await rsaCost();
  const db = await startLocalMongo();
  process.env.TEST_MONGODB_URI = db.uri;
  // The stack puts each part in its own database on this server.
  const stack = await startStack({ env: { LOG_LEVEL: 'error', ORDER_SYNC_STALE_SECONDS: '3600', JOBS_INTERVAL_MS: '1000', PENDING_QUERY_SCHEDULE_SECONDS: '30,60,120' }, sandbox: { env: { SANDBOX_LOG_LEVEL: 'error' } } });
  try {
    const tokens = await Promise.all(Array.from({ length: CUSTOMERS }, (_, i) => stack.loginCustomer(`bench${i}`)));
    const openids = await Promise.all(Array.from({ length: CUSTOMERS }, (_, i) => stack.openidOf(`bench${i}`)));
    const createMs: number[] = [];
    const e2eMs: number[] = [];
    const cashierMs: number[] = [];
    const notifyWaitMs: number[] = [];
    let errors = 0;
    let seq = 0;
    const stopAt = Date.now() + DURATION_MS;
    const started = performance.now();
    await Promise.all(
      tokens.map(async (token, c) => {
        while (Date.now() < stopAt) {
          const t0 = performance.now();
          const created = await stack.api('POST', '/api/orders', { token, body: { items: [{ sku: 'egg-tart', quantity: 1 + (seq % 5) }], clientRequestId: `bench-${c}-${seq++}-x` } });
          if (created.status !== 201) {
            errors++;
            continue;
          }
          createMs.push(performance.now() - t0);
          const t1 = performance.now();
          const paid = await stack.sandbox.admin.cashierPay({ ...created.json.payment, openid: openids[c], action: 'pay' });
          const t2 = performance.now();
          cashierMs.push(t2 - t1);
          if (paid.status !== 200) {
            errors++;
            continue;
          }
          for (;;) {
            const r = await stack.api('GET', `/api/orders/${created.json.order.id}`, { token });
            if (r.json?.status === 'PAID') break;
            await new Promise((res) => setTimeout(res, 250)); // the Mini Program polls a few times a second
          }
          notifyWaitMs.push(performance.now() - t2);
          e2eMs.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    if (process.env.BENCH_DEBUG) {
      const r = await stack.api('GET', '/api/orders?pageSize=3', { token: tokens[0] });
      for (const o of r.json.items) console.log(JSON.stringify(await stack.sandbox.admin.notifications({ out_trade_no: o.outTradeNo })));
    }
    const perSec = e2eMs.length / seconds;
    // RSA-2048 operations per paid order on this machine:
    //   backend: signs the JSAPI request and the paySign (2), verifies the prepay answer and the notification (2);
    //   sandbox: verifies the request and the paySign (2), signs its answer and the notification (2).
    const backendCeiling = 1000 / (2 * rsa.signMs + 2 * rsa.verifyMs);
    const machineSigns = 4;
    const machineCeiling = rsa.signsPerSecParallel / machineSigns;
    console.log(`cores: ${availableParallelism()}   customers: ${CUSTOMERS}   duration: ${seconds.toFixed(1)} s   errors: ${errors}`);
    console.log(`paid orders end to end: ${e2eMs.length}  ->  ${perSec.toFixed(1)} orders/s`);
    console.log(`  create (POST /api/orders: prepay + paySign) p50 ${pct(createMs, 50).toFixed(1)} ms  p99 ${pct(createMs, 99).toFixed(1)} ms`);
    console.log(`  sandbox cashier pay p50 ${pct(cashierMs, 50).toFixed(1)} ms  p99 ${pct(cashierMs, 99).toFixed(1)} ms;  then until GET shows PAID p50 ${pct(notifyWaitMs, 50).toFixed(1)} ms  p99 ${pct(notifyWaitMs, 99).toFixed(1)} ms`);
    console.log(`  order -> paid (create, cashier, notification, GET) p50 ${pct(e2eMs, 50).toFixed(1)} ms  p99 ${pct(e2eMs, 99).toFixed(1)} ms`);
    console.log(`RSA-2048 here: sign ${rsa.signMs.toFixed(3)} ms, verify ${rsa.verifyMs.toFixed(3)} ms (one thread); thread-pool signing ${rsa.signsPerSecParallel.toFixed(0)}/s`);
    console.log(`  ceiling, backend's own RSA on one thread (2 signs + 2 verifies per order): ${backendCeiling.toFixed(0)} orders/s`);
    console.log(`  ceiling, every signature on this machine (${machineSigns} signs per order, all cores): ${machineCeiling.toFixed(0)} orders/s`);
    console.log(`  measured / machine ceiling: ${((perSec / machineCeiling) * 100).toFixed(0)}%`);
  } finally {
    await stack.stop();
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
