// 8. Throughput: orders/s (POST /api/orders: catalog, prepay at the sandbox, paySign) and notifications/s
// (first deliveries of genuine TRANSACTION.SUCCESS for orders paid at the sandbox) with p50/p99, at 50 and 200
// concurrent clients, beside the RSA-2048 ceiling measured in the same run on the same machine. Invariant:
// no 5xx and no lost request under load (a 429/503 shedding answer is counted, not failed: WeChat retries a
// shed notification, a client retries a shed order with the same clientRequestId).
import { randomUUID } from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { signSha256Rsa, verifySha256Rsa, signSha256RsaSync } from '../../../server/src/wechatpay/crypto';
import { paidTransaction, type PlacedOrder } from '../lib/fixtures';
import { HttpClient } from '../lib/http';
import { runPool, runUntil } from '../lib/pool';
import { Invariants, type Scenario, type ScenarioResult } from '../lib/scenario';
import { activeProduct, sleep } from '../lib/shop';
import { buildNotification, type Delivery } from '../lib/notifications';
import { Latency, ratePerSecond, round } from '../lib/stats';
import type { CreateOrderResponse } from '../../../shared/api';

/** RSA-2048 SHA256 signatures and verifications per second on this machine (thread pool, all cores). */
async function rsaCeiling(ms: number): Promise<{ signPerS: number; verifyPerS: number }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const msg = 'x'.repeat(300);
  let signs = 0;
  let end = Date.now() + ms;
  const t0 = performance.now();
  await runUntil(availableParallelism() * 2, end, async () => {
    await signSha256Rsa(privateKey, msg);
    signs++;
  });
  const signPerS = ratePerSecond(signs, performance.now() - t0);
  const sig = signSha256RsaSync(privateKey, msg);
  let verifies = 0;
  end = Date.now() + ms / 2;
  const t1 = performance.now();
  while (Date.now() < end) {
    for (let i = 0; i < 50; i++) verifySha256Rsa(publicKey, msg, sig);
    verifies += 50;
  }
  return { signPerS, verifyPerS: ratePerSecond(verifies, performance.now() - t1) };
}

export const throughput: Scenario = {
  id: 8,
  name: 'throughput',
  budgetMs: (short) => (short ? 300_000 : 600_000),
  async run(ctx): Promise<ScenarioResult> {
    const { stack } = ctx;
    const inv = new Invariants();
    const phaseMs = ctx.short ? 5_000 : 20_000;
    const levels = [50, 200];
    const figures: Record<string, string | number> = {};
    const http = new HttpClient(stack.backendUrl, { timeoutMs: 60_000, maxSockets: 512 });
    try {
      const rsa = await rsaCeiling(ctx.short ? 1000 : 3000);
      figures['rsaSign/s'] = round(rsa.signPerS, 0);
      figures['rsaVerify/s'] = round(rsa.verifyPerS, 0);
      // An order costs 3 signatures on this machine: the backend signs the prepay request, the sandbox signs
      // its answer, the backend signs paySign (verifications are ~30x cheaper).
      figures['orderCeiling/s'] = round(rsa.signPerS / 3, 0);
      ctx.log(`throughput: RSA ${figures['rsaSign/s']} signs/s`);
      const product = await activeProduct(http);
      const users = await Promise.all(
        Array.from({ length: 20 }, (_, i) => stack.loginCustomer(`tp-${i}`).then((token) => ({ user: `tp-${i}`, token }))),
      );
      for (const level of levels) {
        // Orders.
        const latency = new Latency(); // orders created
        const shedLatency = new Latency(); // answers that refused the order for load
        const created: PlacedOrder[] = [];
        let failures = 0;
        let shed = 0;
        let seq = 0;
        const t0 = performance.now();
        await runUntil(level, Date.now() + phaseMs, async (w) => {
          const u = users[w % users.length]!;
          const id = `tp${level}-${w}-${seq++}-${Date.now().toString(36)}`;
          try {
            const started = performance.now();
            const res = await http.json(
              'POST',
              '/api/orders',
              { items: [{ sku: product.sku, quantity: 1 }], clientRequestId: id },
              u.token,
            );
            if (res.status === 201 || res.status === 200) {
              latency.record(performance.now() - started);
              const r = res.json<CreateOrderResponse>()!;
              created.push({
                user: u.user,
                token: u.token,
                id: r.order.id,
                outTradeNo: r.order.outTradeNo,
                total: r.order.total,
                currency: r.order.currency,
                payment: r.payment,
              });
            } else if (res.status === 429 || res.status === 503) {
              shed++;
              shedLatency.record(performance.now() - started);
              // A well-behaved client waits as Retry-After says (1 s), with jitter, before it tries again.
              await sleep(500 + Math.random() * 1000);
            } else failures++;
          } catch {
            failures++;
          }
        });
        const orderMs = performance.now() - t0;
        ctx.log(`throughput: ${created.length} orders at ${level} clients in ${Math.round(orderMs)} ms`);
        const o = latency.summary();
        figures[`orders/s@${level}`] = round(ratePerSecond(created.length, orderMs));
        figures[`orderP50ms@${level}`] = round(o.p50, 0);
        figures[`orderP99ms@${level}`] = round(o.p99, 0);
        if (shed) {
          figures[`orderShed@${level}`] = shed;
          figures[`shedP99ms@${level}`] = round(shedLatency.summary().p99, 0);
        }
        inv.equal(failures, 0, `order requests failed (5xx or no answer) at ${level} clients`);
        // Notifications: pay what was created (sandbox notifications dropped), then deliver first notifications.
        const toPay = created.slice(0, ctx.short ? 100 : 400);
        await stack.setFaults({ rates: { notifyDrop: 1 } });
        try {
          await runPool(toPay, 16, (p) => stack.payInSandbox(p.user, p, p.payment as unknown as Record<string, unknown>));
        } finally {
          await stack.setFaults('reset');
        }
        const deliveries: Delivery[] = [];
        for (const r of await runPool(toPay, 16, (p) => paidTransaction(stack, p.outTradeNo))) {
          if (r.ok)
            deliveries.push(
              buildNotification({
                signer: stack.platform,
                apiV3Key: stack.merchant.apiV3Key,
                eventType: 'TRANSACTION.SUCCESS',
                resource: r.value,
                eventId: randomUUID(),
              }),
            );
        }
        ctx.log(
          `throughput: ${deliveries.length} orders paid and notifications built (${Math.round(performance.now() - t0 - orderMs)} ms)`,
        );
        const nl = new Latency();
        let non2xx = 0;
        let notifShed = 0;
        const answers = new Map<string, number>();
        const t1 = performance.now();
        await runPool(deliveries, level, async (d) => {
          let key: string;
          try {
            const res = await nl.time(() =>
              http.send({ method: 'POST', path: stack.notifyTransactionsPath, headers: d.headers, body: d.body }),
            );
            key = String(res.status);
            if (res.status === 429 || res.status === 503) notifShed++;
            else if (res.status < 200 || res.status > 299) {
              non2xx++;
              key += `:${res.json<{ message?: string }>()?.message ?? ''}`.slice(0, 60);
            }
          } catch (e) {
            non2xx++;
            key = `no-answer:${(e as { kind?: string }).kind ?? ''}`;
          }
          answers.set(key, (answers.get(key) ?? 0) + 1);
        });
        if (notifShed) figures[`notifShed@${level}`] = notifShed;
        if (non2xx || notifShed) figures[`notifAnswers@${level}`] = [...answers].map(([k, v]) => `${k}=${v}`).join(';');
        const n = nl.summary();
        // Rate of deliveries accepted (2xx); a shed delivery is retried by WeChat later and is not counted.
        figures[`notif/s@${level}`] = round(ratePerSecond(deliveries.length - notifShed - non2xx, performance.now() - t1));
        figures[`notifP50ms@${level}`] = round(n.p50, 0);
        figures[`notifP99ms@${level}`] = round(n.p99, 0);
        inv.equal(non2xx, 0, `genuine notifications answered neither 2xx nor a shedding 429/503 at ${level} clients`);
      }
      return { violations: inv.violations, figures };
    } finally {
      http.close();
    }
  },
};
