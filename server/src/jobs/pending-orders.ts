// Pending orders whose notification should have come: query WeChat on a tiered schedule (each order's
// `nextSyncAt`), apply what it says. Claimed per document, so several instances share the work safely.
import type { Logger } from '../logger';
import type { OrderDoc, OrderModel } from '../models/order';
import { describeError, type OrderService } from '../domain/order-service';
import { claimDue } from './lease';
import { JOB_CONCURRENCY, runPool } from './pool';

export interface PendingOrdersJobDeps {
  Order: OrderModel;
  orders: OrderService;
  owner: string;
  scheduleSeconds: number[];
  claimSeconds: number;
  batchSize: number;
  logger: Logger;
  now?: () => Date;
}

/** Seconds until the next look after `attempts` looks (the last step repeats). */
export function nextDelaySeconds(schedule: number[], attempts: number): number {
  if (!schedule.length) return 60;
  return schedule[Math.min(Math.max(attempts, 0), schedule.length - 1)]!;
}

export async function runPendingOrders(d: PendingOrdersJobDeps): Promise<{ queried: number; changed: number }> {
  const now = (d.now ?? (() => new Date()))();
  const claimed = await claimDue<OrderDoc>({
    model: d.Order,
    filter: { status: 'PENDING', expiresAt: { $gt: now }, flagged: { $exists: false } },
    now,
    claimMs: d.claimSeconds * 1000,
    owner: d.owner,
    limit: d.batchSize,
    inc: { syncAttempts: 1 },
  });
  let changed = 0;
  // A few at a time: a batch must not send all its queries to WeChat Pay (and writes to the database) at once.
  const settled = await runPool(claimed, JOB_CONCURRENCY, async (order) => {
    try {
      const r = await d.orders.sync(order);
      if (typeof r === 'object' && r.result === 'changed') changed++;
    } catch (err) {
      d.logger.warn({ outTradeNo: order.outTradeNo, err: describeError(err) }, 'pending order query failed; retried later');
    }
    // Next look on the schedule, but not after expiry: then the expired-orders job takes over.
    const next = Math.min(now.getTime() + nextDelaySeconds(d.scheduleSeconds, order.syncAttempts) * 1000, order.expiresAt.getTime());
    await d.Order.updateOne({ _id: order._id, status: 'PENDING', claimedBy: d.owner }, { $set: { nextSyncAt: new Date(next) } });
  });
  const failed = settled.find((r) => !r.ok);
  if (failed && !failed.ok) throw failed.error; // the runner logs it; the claims expire and are retried
  return { queried: claimed.length, changed };
}
