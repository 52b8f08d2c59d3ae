// Pending orders whose notification should have come: query WeChat on a tiered schedule (each order's
// `nextSyncAt`), apply what it says. Claimed per document, so several instances share the work safely.
import { describeError, type OrderService } from '../domain/order-service';
import type { OrderRepository } from '../domain/ports/orders';
import type { Logger } from '../logger';
import { workOnClaimed } from './claimed-batch';

export interface PendingOrdersJobDeps {
  orderRecords: OrderRepository;
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

export async function runPendingOrders(deps: PendingOrdersJobDeps): Promise<{ queried: number; changed: number }> {
  const now = (deps.now ?? (() => new Date()))();
  const claimed = await deps.orderRecords.claimDue('pending', {
    now,
    claimMs: deps.claimSeconds * 1000,
    owner: deps.owner,
    limit: deps.batchSize,
  });
  let changed = 0;
  await workOnClaimed(claimed, async (order) => {
    try {
      const r = await deps.orders.sync(order);
      if (typeof r === 'object' && r.result === 'changed') changed++;
    } catch (err) {
      deps.logger.warn({ outTradeNo: order.outTradeNo, err: describeError(err) }, 'pending order query failed; retried later');
    }
    // Next look on the schedule, but not after expiry: then the expired-orders job takes over.
    const next = Math.min(now.getTime() + nextDelaySeconds(deps.scheduleSeconds, order.syncAttempts) * 1000, order.expiresAt.getTime());
    await deps.orderRecords.reschedule(order.id, deps.owner, new Date(next));
  });
  return { queried: claimed.length, changed };
}
