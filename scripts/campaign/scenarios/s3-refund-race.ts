// 3. Refund race: paid orders, each hit by 20 concurrent partial refunds whose sum is twice the total, plus one
// requestId sent twice at the same moment. Invariants, per order: refunded + reserved <= paid locally, the
// counters add up to the total, the sum refunded at WeChat (sandbox) <= paid and equal to what we hold
// locally; the repeated requestId yields one refund; 0 5xx (a shed request is retried).
import { CampaignDb } from '../lib/database';
import { loginUsers, payOrders, placeOrders, type PlacedOrder } from '../lib/fixtures';
import { HttpClient } from '../lib/http';
import { runPool } from '../lib/pool';
import { Invariants, type Scenario, type ScenarioResult } from '../lib/scenario';
import { sleep, waitFor } from '../lib/shop';
import { Latency, round } from '../lib/stats';

const PER_ORDER = 20;

export const refundRace: Scenario = {
  id: 3,
  name: 'refund-race',
  budgetMs: (short) => (short ? 60_000 : 600_000),
  async run(ctx): Promise<ScenarioResult> {
    const { stack } = ctx;
    const n = ctx.short ? 5 : 100;
    const http = new HttpClient(stack.backendUrl, { timeoutMs: 30_000 });
    const db = await CampaignDb.open(stack.dbUri);
    const inv = new Invariants();
    try {
      const users = await loginUsers(stack, 'refund', ctx.short ? 2 : 10);
      const orders = await placeOrders(http, stack, users, n, 'refund');
      await payOrders(stack, orders);
      const ids = orders.map((o) => o.outTradeNo);
      const allPaid = await waitFor(
        async () => (await db.collection('orders').countDocuments({ outTradeNo: { $in: ids }, status: 'PAID' })) === n,
        ctx.short ? 30_000 : 120_000,
        500,
      );
      if (!allPaid) return { violations: ['orders paid at the sandbox did not become PAID locally in time'], figures: { orders: n } };
      const staff = await stack.staffToken('admin');
      const statuses = new Map<number, number>();
      const latency = new Latency();
      let duplicateViolations = 0;
      let accepted = 0;
      const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
      let shed = 0;
      // A retryable 503 (load shedding) is sent again with the same requestId after a moment, as the console
      // does when staff confirm again; only the final answer is counted.
      const refundOnce = async (o: PlacedOrder, amount: number, requestId: string) => {
        try {
          const res = await latency.time(async () => {
            for (let attempt = 0; ; attempt++) {
              const r = await http.json('POST', `/api/admin/orders/${o.id}/refunds`, { amount, reason: 'campaign race', requestId }, staff);
              if (r.status !== 503 || r.json<{ retryable?: boolean }>()?.retryable !== true || attempt >= 30) return r;
              shed++;
              await sleep(200 + Math.random() * 800);
            }
          });
          count(res.status);
          return res;
        } catch {
          count(0);
          return undefined;
        }
      };
      // Leave a quarter of the budget for the checks: orders not raced by then are left out (and reported).
      const stopAt = ctx.deadline - (ctx.deadline - Date.now()) / 4;
      const raced: PlacedOrder[] = [];
      await runPool(orders, ctx.short ? 2 : 4, async (o) => {
        if (Date.now() > stopAt) return;
        raced.push(o);
        const part = Math.ceil(o.total / 10);
        const tag = `${o.outTradeNo}`.slice(-20);
        const burst: Promise<unknown>[] = [];
        for (let k = 0; k < PER_ORDER; k++) burst.push(refundOnce(o, part, `race-${tag}-${k}`));
        const twin = [refundOnce(o, 1, `twin-${tag}`), refundOnce(o, 1, `twin-${tag}`)];
        await Promise.all([...burst, ...twin]);
        const [a, b] = await Promise.all(twin);
        const ok = [a, b].filter((r) => r && r.status >= 200 && r.status < 300);
        const refundIds = new Set(
          ok.map((r) => (r!.json<{ id?: string; outRefundNo?: string }>() ?? {}).outRefundNo ?? r!.json<{ id?: string }>()?.id),
        );
        if (refundIds.size > 1) duplicateViolations++;
      });
      for (const [s, c] of statuses) if (s >= 200 && s < 300) accepted += c;
      // Compare local counters with what the sandbox holds for each order. WeChat is read first, then the order:
      // a reservation always precedes the call to WeChat, so even with requests still in flight on the server
      // (a client gave up waiting) WeChat's sum read earlier can never exceed what the order holds read later.
      let overLocal = 0;
      let overWechat = 0;
      let counterMismatch = 0;
      let wechatVsLocal = 0;
      let twinsAtWechat = 0;
      let refundedAtWechat = 0;
      await runPool(raced, 8, async (o) => {
        const atWechat = await stack.sandboxRefunds(o.outTradeNo);
        const d = (await db.orders({ outTradeNo: o.outTradeNo }))[0]!;
        const refunded = Number(d.refunded ?? 0);
        const reserved = Number(d.refundReserved ?? 0);
        const refundable = Number(d.refundable ?? 0);
        if (refunded + reserved > o.total) overLocal++;
        if (refundable + refunded + reserved !== o.total) counterMismatch++;
        const live = atWechat.filter((r) => r.status !== 'CLOSED' && r.status !== 'REFUNDCLOSE');
        const sum = live.reduce((a, r) => a + r.amount.refund, 0);
        refundedAtWechat += sum;
        if (sum > o.total) overWechat++;
        // Everything WeChat accepted must be held locally (refunded or reserved); a local reservation may exist
        // without a WeChat refund only while it is still being retried.
        if (sum > refunded + reserved) wechatVsLocal++;
        const twins = atWechat.filter((r) => r.amount.refund === 1).length;
        if (twins > 1) twinsAtWechat++;
      });
      inv.equal(overLocal, 0, 'orders with refunded + reserved > paid (local)');
      inv.equal(overWechat, 0, 'orders refunded beyond the total at WeChat');
      inv.equal(counterMismatch, 0, 'orders whose refundable + refunded + reserved != total');
      inv.equal(wechatVsLocal, 0, 'orders where WeChat holds more refunds than the backend');
      inv.equal(duplicateViolations, 0, 'repeated requestIds answered with two different refunds');
      inv.equal(twinsAtWechat, 0, 'repeated requestIds that reached WeChat twice');
      const fivexx = [...statuses].filter(([s]) => s >= 500 || s === 0).reduce((a, [, c]) => a + c, 0);
      inv.equal(fivexx, 0, 'refund requests answered 5xx or not at all');
      const s = latency.summary();
      return {
        violations: inv.violations,
        ...(raced.length < n ? { incomplete: `raced ${raced.length} of ${n} orders within the time budget` } : {}),
        figures: {
          orders: raced.length,
          requests: raced.length * (PER_ORDER + 2),
          accepted,
          overRefunded: overLocal + overWechat,
          duplicateRefunds: duplicateViolations + twinsAtWechat,
          refundedAtWechat,
          paid: raced.reduce((a, o) => a + o.total, 0),
          p50ms: round(s.p50),
          p99ms: round(s.p99),
          shedRetried: shed,
          statuses: [...statuses].map(([k, v]) => `${k}:${v}`).join(','),
        },
      };
    } finally {
      http.close();
      await db.close();
    }
  },
};
