// The mixed workload of scenarios 4 and 5: customers create orders and pay them at the sandbox, staff refund
// half of every paid order, each client retrying a retryable error with the same idempotency key, for a fixed
// time. Afterwards the recovery is awaited and the invariants checked against the sandbox's ledger.
import type { CreateOrderResponse } from '../../../shared/api';
import type { ErrorBody } from '../../../shared/errors';
import type { CampaignDb } from './database';
import type { HttpClient, RawResponse } from './http';
import { runUntil } from './pool';
import { Invariants, type Figures } from './scenario';
import { activeProduct, sleep, waitFor } from './shop';
import type { CampaignStack } from './stack';

export interface WorkloadCounters {
  ordersCreated: number;
  paidAtSandbox: number;
  refundsAccepted: number;
  /** Non-2xx answers with a clear retryable body (429/502/503 + retryable:true) or a clean business 4xx. */
  clearErrors: number;
  /** Answers that were not clear: 500, 5xx without retryable, a body without {code,message}. */
  unclearErrors: string[];
  /** No answer at all (refused while the backend was down, or a client timeout). */
  noAnswer: number;
  retries: number;
}

export interface PaidOrder {
  id: string;
  outTradeNo: string;
  total: number;
  refundRequests: string[];
}

const RETRYABLE = new Set([429, 502, 503, 504]);

function classify(res: RawResponse, c: WorkloadCounters, what: string): 'ok' | 'retry' | 'stop' {
  if (res.status >= 200 && res.status < 300) return 'ok';
  const body = res.json<ErrorBody>();
  const clear = !!body && typeof body.code === 'string' && typeof body.message === 'string';
  if (RETRYABLE.has(res.status)) {
    if (clear && body!.retryable === true) {
      c.clearErrors++;
      return 'retry';
    }
    c.unclearErrors.push(`${what} ${res.status} ${res.text().slice(0, 120)}`);
    return 'retry';
  }
  if (res.status >= 500 || !clear) {
    c.unclearErrors.push(`${what} ${res.status} ${res.text().slice(0, 120)}`);
    return 'stop';
  }
  c.clearErrors++;
  return 'stop';
}

/** Sends with retries on retryable answers and on no answer (same request, so the same idempotency key). */
async function withRetry(
  c: WorkloadCounters,
  what: string,
  send: () => Promise<RawResponse>,
  attempts = 8,
): Promise<RawResponse | undefined> {
  for (let i = 0; i < attempts; i++) {
    if (i > 0) {
      c.retries++;
      await sleep(Math.min(2000, 100 * 2 ** i));
    }
    let res: RawResponse;
    try {
      res = await send();
    } catch {
      c.noAnswer++;
      continue;
    }
    const verdict = classify(res, c, what);
    if (verdict === 'ok') return res;
    if (verdict === 'stop') return undefined;
  }
  return undefined;
}

export async function runWorkload(opts: {
  stack: CampaignStack;
  http: HttpClient;
  durationMs: number;
  concurrency: number;
  tag: string;
  onTick?: (elapsedMs: number) => Promise<void>;
}): Promise<{ counters: WorkloadCounters; paid: PaidOrder[] }> {
  const { stack, http } = opts;
  const c: WorkloadCounters = {
    ordersCreated: 0,
    paidAtSandbox: 0,
    refundsAccepted: 0,
    clearErrors: 0,
    unclearErrors: [],
    noAnswer: 0,
    retries: 0,
  };
  const product = await activeProduct(http);
  const tokens = await Promise.all(Array.from({ length: opts.concurrency }, (_, i) => stack.loginCustomer(`${opts.tag}-${i}`)));
  const staff = await stack.staffToken('admin');
  const paid: PaidOrder[] = [];
  let seq = 0;
  const start = Date.now();
  const deadline = start + opts.durationMs;
  let ticking = Promise.resolve();
  const ticker = opts.onTick
    ? setInterval(() => {
        ticking = ticking.then(() => opts.onTick!(Date.now() - start)).catch(() => undefined);
      }, 1000)
    : undefined;
  try {
    await runUntil(opts.concurrency, deadline, async (w) => {
      const token = tokens[w]!;
      const clientRequestId = `${opts.tag}-${w}-${seq++}-${start.toString(36)}`.slice(0, 64);
      const created = await withRetry(c, 'create order', () =>
        http.json('POST', '/api/orders', { items: [{ sku: product.sku, quantity: 1 }], clientRequestId }, token),
      );
      if (!created) return;
      c.ordersCreated++;
      const { order, payment } = created.json<CreateOrderResponse>()!;
      try {
        await stack.payInSandbox(`${opts.tag}-${w}`, order, payment as unknown as Record<string, unknown>);
      } catch {
        return; // the cashier refused (e.g. the prepay was lost): the order stays unpaid at WeChat too
      }
      c.paidAtSandbox++;
      const p: PaidOrder = { id: order.id, outTradeNo: order.outTradeNo, total: order.total, refundRequests: [] };
      paid.push(p);
      // Refund half once the backend knows the order is paid (it learns by notification or by query).
      const known = await waitFor(
        async () => {
          const r = await http.json('GET', `/api/orders/${order.id}`, undefined, token);
          return r.status === 200 && r.json<{ status: string }>()?.status === 'PAID';
        },
        10_000,
        300,
      );
      if (!known || Date.now() > deadline) return;
      const requestId = `wl-${order.outTradeNo}`.slice(0, 64);
      p.refundRequests.push(requestId);
      const refunded = await withRetry(c, 'refund', () =>
        http.json('POST', `/api/admin/orders/${order.id}/refunds`, { amount: Math.floor(order.total / 2), requestId }, staff),
      );
      if (refunded) c.refundsAccepted++;
    });
  } finally {
    if (ticker) clearInterval(ticker);
    await ticking;
  }
  return { counters: c, paid };
}

/** After the run: waits for recovery, then checks 0 lost payments and 0 duplicate or excess refunds. */
export async function checkRecovery(opts: {
  stack: CampaignStack;
  db: CampaignDb;
  paid: PaidOrder[];
  recoveryMs: number;
  inv: Invariants;
}): Promise<Figures> {
  const { stack, db, paid, inv } = opts;
  const ids = paid.map((p) => p.outTradeNo);
  const started = Date.now();
  await waitFor(
    async () => (await db.collection('orders').countDocuments({ outTradeNo: { $in: ids }, status: 'PAID' })) === ids.length,
    opts.recoveryMs,
    1000,
  );
  const recoveredInMs = Date.now() - started;
  const local = new Map((await db.orders({ outTradeNo: { $in: ids } })).map((d) => [String(d.outTradeNo), d]));
  const lost = paid.filter((p) => local.get(p.outTradeNo)?.status !== 'PAID');
  // Refunds: give pending ones time to reach WeChat, then compare.
  await waitFor(async () => (await db.collection('refunds').countDocuments({ status: 'PENDING' })) === 0, opts.recoveryMs, 1000);
  let duplicateRefunds = 0;
  let overRefunded = 0;
  let doubleEffects = 0;
  let refundsAtWechat = 0;
  // Refunds the backend holds as accepted by WeChat (or settled) must exist there, and vice versa.
  const localByOrder = new Map<string, { outRefundNo: string; status: string }[]>();
  for (const r of await db
    .collection('refunds')
    .find({ outTradeNo: { $in: ids } })
    .toArray()) {
    const list = localByOrder.get(String(r.outTradeNo)) ?? [];
    list.push({ outRefundNo: String(r.outRefundNo), status: String(r.status) });
    localByOrder.set(String(r.outTradeNo), list);
  }
  const missingAtWechat: string[] = [];
  const localStatuses = new Map<string, number>();
  for (const p of paid) {
    const d = local.get(p.outTradeNo);
    if (d && Number(d.refundable ?? 0) + Number(d.refunded ?? 0) + Number(d.refundReserved ?? 0) !== p.total) doubleEffects++;
    const atWechat = await stack.sandboxRefunds(p.outTradeNo);
    refundsAtWechat += atWechat.length;
    const there = new Set(atWechat.map((r) => r.out_refund_no));
    for (const r of localByOrder.get(p.outTradeNo) ?? []) {
      localStatuses.set(r.status, (localStatuses.get(r.status) ?? 0) + 1);
      if (['PROCESSING', 'SUCCESS', 'ABNORMAL'].includes(r.status) && !there.has(r.outRefundNo))
        missingAtWechat.push(`${r.outRefundNo}:${r.status}`);
    }
    if (atWechat.length > p.refundRequests.length) duplicateRefunds += atWechat.length - p.refundRequests.length;
    if (atWechat.reduce((a, r) => a + r.amount.refund, 0) > p.total) overRefunded++;
  }
  const localRefunds = await db.collection('refunds').countDocuments({ outTradeNo: { $in: ids } });
  inv.equal(
    lost.length,
    0,
    `payments lost (paid at the sandbox, not PAID locally after ${opts.recoveryMs / 1000} s: ${lost
      .slice(0, 3)
      .map((p) => p.outTradeNo)
      .join(',')})`,
  );
  inv.equal(duplicateRefunds, 0, 'refunds at WeChat beyond one per refund request');
  inv.equal(overRefunded, 0, 'orders refunded beyond their total at WeChat');
  inv.equal(doubleEffects, 0, 'orders whose refund counters do not add up to the total');
  inv.equal(
    missingAtWechat.length,
    0,
    `refunds the backend holds as accepted that WeChat does not have (${missingAtWechat.slice(0, 3).join(', ')})`,
  );
  return {
    localRefundStatuses: [...localStatuses].map(([k, v]) => `${k}:${v}`).join(','),
    lost: lost.length,
    recoveredInS: Math.round(recoveredInMs / 1000),
    refundsAtWechat,
    localRefunds,
    duplicateRefunds,
    overRefunded,
  };
}
