// 2. Forgery: deliveries that each change one thing in a genuine notification (see lib/forgeries) aimed at an
// order that is NOT paid at WeChat, plus replays of a genuine delivery of a paid order. Invariants: 0 state
// changes (hash of the state-bearing fields of every order and refund), 0 5xx; forgeries answered 2xx are listed.
import { randomUUID } from 'node:crypto';
import { CampaignDb, diffSnapshots } from '../lib/database';
import { loginUsers, paidTransaction, payOrders, placeOrders } from '../lib/fixtures';
import { forgeryBuilders } from '../lib/forgeries';
import { HttpClient } from '../lib/http';
import { buildNotification, strangerKey } from '../lib/notifications';
import { Invariants, type Scenario, type ScenarioResult } from '../lib/scenario';
import { waitFor } from '../lib/shop';

// Only to list the kinds before the real inputs exist.
const SAMPLE_INPUT = {
  signer: { privateKey: undefined as never, serial: '' },
  apiV3Key: '',
  targetTransaction: { amount: { total: 1, currency: 'HKD' } },
  paidTransaction: {},
  paidDelivery: { headers: {}, body: '' },
  paidEventId: '',
  otherMerchant: { mchid: '', appid: '' },
  stranger: undefined as never,
};

export const forgery: Scenario = {
  id: 2,
  name: 'forgery',
  budgetMs: (short) => (short ? 45_000 : 180_000),
  async run(ctx): Promise<ScenarioResult> {
    const { stack } = ctx;
    const rounds = ctx.short ? 1 : 5;
    const http = new HttpClient(stack.backendUrl, { timeoutMs: 60_000 });
    const db = await CampaignDb.open(stack.dbUri);
    const inv = new Invariants();
    try {
      const users = await loginUsers(stack, 'forgery', 1);
      const kinds = Object.keys(forgeryBuilders(SAMPLE_INPUT));
      const [paid, ...targets] = await placeOrders(http, stack, users, 1 + rounds * kinds.length, 'forgery', 8);
      // The paid order gets its genuine delivery from us, so the replays below reuse a real captured one.
      await stack.setFaults({ rates: { notifyDrop: 1 } });
      try {
        await payOrders(stack, [paid!]);
      } finally {
        await stack.setFaults('reset');
      }
      const paidTx = await paidTransaction(stack, paid!.outTradeNo);
      const paidEventId = randomUUID();
      const paidDelivery = buildNotification({
        signer: stack.platform,
        apiV3Key: stack.merchant.apiV3Key,
        eventType: 'TRANSACTION.SUCCESS',
        resource: paidTx,
        eventId: paidEventId,
      });
      const first = await http.send({
        method: 'POST',
        path: stack.notifyTransactionsPath,
        headers: paidDelivery.headers,
        body: paidDelivery.body,
      });
      inv.check(first.status >= 200 && first.status < 300, `genuine delivery of the paid order answered ${first.status}`);
      const paidLocally = await waitFor(async () => (await db.orders({ outTradeNo: paid!.outTradeNo }))[0]?.status === 'PAID', 10_000);
      inv.check(paidLocally, 'the genuinely notified order did not become PAID');

      const stranger = strangerKey();
      const before = await db.snapshot();
      const results = new Map<string, number[]>();
      // One target order per kind and round, so a state change names the forgery that caused it.
      const targetOf = new Map<string, string[]>();
      let total = 0;
      let t = 0;
      for (let round = 0; round < rounds; round++) {
        for (const kind of kinds) {
          const target = targets[t++]!;
          targetOf.set(target.outTradeNo, [...(targetOf.get(target.outTradeNo) ?? []), kind]);
          const now = new Date().toISOString();
          const targetTx: Record<string, unknown> = {
            ...paidTx,
            out_trade_no: target.outTradeNo,
            id: `42${Date.now()}${Math.floor(Math.random() * 1e9)}`.slice(0, 28),
            success_time: now.replace(/\.\d{3}Z$/, '+00:00'),
            amount: {
              ...(paidTx.amount as Record<string, unknown>),
              total: target.total,
              payer_total: target.total,
              currency: target.currency,
            },
          };
          delete targetTx.transaction_id;
          const build = forgeryBuilders({
            signer: stack.platform,
            apiV3Key: stack.merchant.apiV3Key,
            targetTransaction: targetTx,
            paidTransaction: paidTx,
            paidDelivery,
            paidEventId,
            otherMerchant: stack.otherMerchant,
            stranger,
          })[kind]!;
          const d = build();
          total++;
          let status = 0;
          try {
            status = (await http.send({ method: 'POST', path: stack.notifyTransactionsPath, headers: d.headers, body: d.body })).status;
          } catch {
            status = 0;
          }
          results.set(kind, [...(results.get(kind) ?? []), status]);
        }
      }
      // Give any asynchronous effect (a job reacting to a forged event) time to show.
      await new Promise((r) => setTimeout(r, ctx.short ? 1000 : 3000));
      const after = await db.snapshot();
      const changes = diffSnapshots(before, after, /^/, new Set([paid!.id, ...targets.map((x) => x.id)]));
      const flagged = (
        await db.orders({ outTradeNo: { $in: targets.map((t) => t.outTradeNo) }, flagged: { $exists: true, $nin: [null, ''] } })
      ).length;
      const moved = await db.orders({ outTradeNo: { $in: targets.map((x) => x.outTradeNo) }, status: { $ne: 'PENDING' } });
      const movedBy = [...new Set(moved.flatMap((o) => targetOf.get(String(o.outTradeNo)) ?? []))];
      const paidMoved = (await db.orders({ outTradeNo: paid!.outTradeNo }))[0];
      const answered2xx = [...results].filter(([, s]) => s.some((x) => x >= 200 && x < 300)).map(([k]) => k);
      const answered5xx = [...results].filter(([, s]) => s.some((x) => x >= 500 || x === 0)).map(([k]) => k);
      const rejected = [...results.values()].flat().filter((s) => s >= 400 && s < 500).length;
      // Changes to the target orders are reported per kind above; anything else changed is reported here.
      const targetIds = new Set(moved.map((o) => String(o._id)));
      const unexplained = changes.filter((c) => ![...targetIds].some((id) => c.includes(id)) || !c.startsWith('orders changed'));
      inv.check(unexplained.length === 0, `state changed after forgeries: ${unexplained.join('; ')}`);
      const replayKinds = movedBy.filter((k) => k.startsWith('replay-other-order'));
      const otherKinds = movedBy.filter((k) => !replayKinds.includes(k));
      inv.check(
        replayKinds.length === 0,
        `[replayed-transaction] target orders moved out of PENDING by a platform-signed event carrying another order's transaction: ${replayKinds.join(', ')}`,
      );
      inv.check(otherKinds.length === 0, `target orders moved out of PENDING by forgeries: ${otherKinds.join(', ')}`);
      inv.check(
        paidMoved?.refundable === paid!.total,
        `the paid order's counters changed after its replays (refundable ${String(paidMoved?.refundable)})`,
      );
      inv.check(answered5xx.length === 0, `forgeries answered 5xx or not at all: ${answered5xx.join(',')}`);
      return {
        violations: inv.violations,
        figures: {
          kinds: results.size,
          sent: total,
          rejected4xx: rejected,
          stateChanges: changes.length,
          acceptedKinds: movedBy.join(',') || 'none',
          flagged,
          answered2xx: answered2xx.join(',') || 'none',
          answered5xx: answered5xx.length,
        },
      };
    } finally {
      http.close();
      await db.close();
    }
  },
};
