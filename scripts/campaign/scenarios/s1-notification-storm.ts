// 1. Notification storm: orders paid at the sandbox, each notification delivered 3-10 times (genuinely signed
// and encrypted, one event id per payment as WeChat's retries carry), shuffled, concurrently, straight to the
// backend's notify URL. The sandbox's own notifications are dropped meanwhile so ours are the first to arrive.
// Invariants: every order PAID exactly once (counters equal the total, nothing refunded or reserved,
// transactionId of the sandbox), 0 non-2xx answers to these genuine deliveries.
import { randomUUID } from 'node:crypto';
import { paidTransaction, payOrders, placeOrders, loginUsers } from '../lib/fixtures';
import { HttpClient } from '../lib/http';
import { buildNotification, type Delivery } from '../lib/notifications';
import { CampaignDb } from '../lib/database';
import { runPool } from '../lib/pool';
import { Rng } from '../lib/random';
import { Invariants, type Scenario, type ScenarioResult } from '../lib/scenario';
import { waitFor } from '../lib/shop';
import { Latency, ratePerSecond, round } from '../lib/stats';

export const notificationStorm: Scenario = {
  id: 1,
  name: 'notification-storm',
  budgetMs: (short) => (short ? 60_000 : 600_000),
  async run(ctx): Promise<ScenarioResult> {
    const { stack } = ctx;
    const n = ctx.short ? 30 : 1000;
    const rng = new Rng(ctx.seed);
    const http = new HttpClient(stack.backendUrl, { timeoutMs: 60_000 });
    const db = await CampaignDb.open(stack.dbUri);
    const inv = new Invariants();
    try {
      const users = await loginUsers(stack, 'storm', ctx.short ? 4 : 20);
      // On a slow machine the orders placed within 40% of the budget are used, and the run says so.
      const orders = await placeOrders(http, stack, users, n, 'storm', 16, Date.now() + (ctx.deadline - Date.now()) * 0.4);
      ctx.log(`storm: ${orders.length} orders placed`);
      await stack.setFaults({ rates: { notifyDrop: 1 } });
      try {
        await payOrders(stack, orders);
      } finally {
        await stack.setFaults('reset');
      }
      ctx.log(`storm: ${n} orders paid at the sandbox`);
      const txs = await runPool(orders, 16, (o) => paidTransaction(stack, o.outTradeNo));
      const deliveries: { order: number; delivery: Delivery }[] = [];
      txs.forEach((r, i) => {
        if (!r.ok) throw r.error;
        const eventId = randomUUID();
        const copies = rng.int(3, 10);
        for (let c = 0; c < copies; c++) {
          deliveries.push({
            order: i,
            delivery: buildNotification({
              signer: stack.platform,
              apiV3Key: stack.merchant.apiV3Key,
              eventType: 'TRANSACTION.SUCCESS',
              resource: r.value,
              eventId,
            }),
          });
        }
      });
      rng.shuffle(deliveries);
      const latency = new Latency();
      const answers = new Map<number, number>();
      let transportErrors = 0;
      const start = performance.now();
      await runPool(deliveries, ctx.short ? 16 : 64, async ({ delivery }) => {
        try {
          const res = await latency.time(() =>
            http.send({ method: 'POST', path: stack.notifyTransactionsPath, headers: delivery.headers, body: delivery.body }),
          );
          answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
        } catch {
          transportErrors++;
        }
      });
      const elapsed = performance.now() - start;
      const non2xx = [...answers].filter(([s]) => s < 200 || s > 299).reduce((a, [, c]) => a + c, 0);
      // Settled: every order PAID locally (the answers above were given after the effect, but allow a moment).
      const ids = orders.map((o) => o.outTradeNo);
      await waitFor(
        async () => (await db.collection('orders').countDocuments({ outTradeNo: { $in: ids }, status: 'PAID' })) === orders.length,
        10_000,
      );
      const local = await db.orders({ outTradeNo: { $in: ids } });
      const byNo = new Map(local.map((d) => [String(d.outTradeNo), d]));
      let paid = 0;
      let doubleEffects = 0;
      let wrongTransaction = 0;
      txs.forEach((r, i) => {
        const o = orders[i]!;
        const d = byNo.get(o.outTradeNo);
        if (!d || d.status !== 'PAID') return;
        paid++;
        if (d.refundable !== o.total || (d.refunded ?? 0) !== 0 || (d.refundReserved ?? 0) !== 0 || (d.refundCount ?? 0) !== 0)
          doubleEffects++;
        const tx = r.ok ? r.value : {};
        if (d.transactionId !== (tx.id ?? tx.transaction_id)) wrongTransaction++;
      });
      inv.equal(paid, orders.length, 'orders PAID locally');
      inv.equal(doubleEffects, 0, 'orders whose counters show a second effect');
      inv.equal(wrongTransaction, 0, 'orders whose transactionId differs from the sandbox');
      inv.equal(non2xx, 0, 'non-2xx answers to genuine deliveries');
      inv.equal(transportErrors, 0, 'deliveries without an answer (timeout/reset)');
      const s = latency.summary();
      return {
        violations: inv.violations,
        ...(orders.length < n ? { incomplete: `${orders.length} of ${n} orders placed within the time budget` } : {}),
        figures: {
          orders: orders.length,
          deliveries: deliveries.length,
          paid,
          doubleEffects,
          non2xx,
          transportErrors,
          'notif/s': round(ratePerSecond(deliveries.length, elapsed)),
          p50ms: round(s.p50),
          p99ms: round(s.p99),
          statuses: [...answers].map(([k, v]) => `${k}:${v}`).join(','),
        },
      };
    } finally {
      http.close();
      await db.close();
    }
  },
};
