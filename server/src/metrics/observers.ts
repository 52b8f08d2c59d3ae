// Decorators that turn what already happens into DomainEvents, without touching the rules: every order and
// refund state change is one conditional update through its repository (docs/architecture.md), so observing the
// repositories sees every path (notifications, queries, jobs, POS, staff). Also the notification handlers (the
// event type and the answer) and the jobs (runs, failures, duration).
import type { DomainEvents, NotificationKind } from '../domain/ports/domain-events';
import type { Storage } from '../domain/ports';
import { moved, type OrderRepository } from '../domain/ports/orders';
import type { HeaderSource, PaymentGateway } from '../domain/ports/payment-gateway';
import type { RefundRepository } from '../domain/ports/refunds';
import type { Job } from '../jobs/runner';
import type { Logger } from '../logger';
import type { Metrics } from '.';

/** `target` with some methods replaced; every other method still runs on the original. */
function override<T extends object>(target: T, methods: Partial<T>): T {
  return Object.assign(Object.create(target) as T, methods);
}

/** Observers must never break the operation they watch. */
function quietly(fn: () => unknown): void {
  try {
    const r = fn();
    if (r instanceof Promise) r.catch(() => undefined);
  } catch {
    // an observer's failure is not the caller's
  }
}

export function observeOrders(orders: OrderRepository, events: DomainEvents): OrderRepository {
  return override(orders, {
    async transition(id, from, fields) {
      const after = await orders.transition(id, from, fields);
      if (moved(after)) {
        quietly(() =>
          events.orderStateChanged(
            fields.status === 'PAID' ? { to: 'PAID', total: after.total, currency: after.currency } : { to: fields.status },
          ),
        );
      }
      return after;
    },
    async flag(id, reason) {
      await orders.flag(id, reason);
      quietly(() => events.orderFlagged());
    },
  });
}

export function observeRefunds(refunds: RefundRepository, events: DomainEvents): RefundRepository {
  const moved = (guard: Parameters<RefundRepository['update']>[1], to: string | undefined) =>
    to !== undefined && !(typeof guard.status === 'string' && guard.status === to);
  return override(refunds, {
    async insert(refund, now) {
      const r = await refunds.insert(refund, now);
      if (r !== 'duplicate') quietly(() => events.refundStateChanged({ to: 'PENDING', amount: r.amount, currency: r.currency }));
      return r;
    },
    async update(id, guard, change) {
      const done = await refunds.update(id, guard, change);
      const to = change.set?.status;
      if (done && to && moved(guard, to)) {
        quietly(async () => {
          const r = to === 'SUCCESS' ? await refunds.findById(id) : undefined;
          events.refundStateChanged({ to, ...(r ? { amount: r.amount, currency: r.currency } : {}) });
        });
      }
      return done;
    },
    async updateAndGet(id, guard, change) {
      const r = await refunds.updateAndGet(id, guard, change);
      const to = change.set?.status;
      if (r && to && moved(guard, to)) quietly(() => events.refundStateChanged({ to, amount: r.amount, currency: r.currency }));
      return r;
    },
  });
}

/** The storage bundle with its order and refund repositories observed. */
export function observeStorage(storage: Storage, events: DomainEvents): Storage {
  return { ...storage, orders: observeOrders(storage.orders, events), refunds: observeRefunds(storage.refunds, events) };
}

/**
 * Wraps a notification handler: the event type comes from the verified notification (through a per-call view of
 * the gateway), the outcome is the HTTP status answered (500 when the handler threw).
 */
export function observeNotifications<A extends { status: number }>(
  kind: NotificationKind,
  gateway: PaymentGateway,
  events: DomainEvents,
  handle: (gateway: PaymentGateway, headers: HeaderSource, raw: Buffer, log: Logger) => Promise<A>,
): (headers: HeaderSource, raw: Buffer, log: Logger) => Promise<A> {
  return async (headers, raw, log) => {
    let eventType = 'unverified';
    const seen = override(gateway, {
      async parseNotification(h, body) {
        const r = await gateway.parseNotification(h, body);
        eventType = r.ok ? r.event.event_type : 'unverified';
        return r;
      },
    });
    try {
      const answer = await handle(seen, headers, raw, log);
      quietly(() => events.notificationHandled({ kind, eventType, status: answer.status }));
      return answer;
    } catch (err) {
      quietly(() => events.notificationHandled({ kind, eventType, status: 500 }));
      throw err;
    }
  };
}

/** The job with its runs, failures and duration recorded. */
export function instrumentJob(job: Job, metrics: Metrics): Job {
  return {
    ...job,
    async run() {
      const start = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
      try {
        const result = await job.run();
        metrics.jobRun(job.name, true, seconds());
        return result;
      } catch (err) {
        metrics.jobRun(job.name, false, seconds());
        throw err;
      }
    },
  };
}
