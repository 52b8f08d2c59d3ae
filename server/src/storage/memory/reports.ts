// The dashboard's and the exports' reads over the in-memory orders and refunds.
import type { ReportSource } from '../../domain/dashboard';
import type { Order } from '../../domain/ports/orders';
import type { RefundRecord } from '../../domain/ports/refunds';

async function* each<T>(rows: T[]): AsyncGenerator<T> {
  yield* rows;
}

export function memoryReports(orders: { all(): Order[] }, refunds: { all(): RefundRecord[] }): ReportSource {
  const within = (t: Date | undefined, from: Date, to: Date) => t !== undefined && t >= from && t < to;
  const byCreation = <T extends { createdAt: Date }>(xs: T[]) => xs.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return {
    paidOrders: (from, to) =>
      each(
        orders
          .all()
          .filter((o) => o.status === 'PAID' && within(o.paidAt, from, to))
          .map((o) => ({ paidAt: o.paidAt!, total: o.total })),
      ),
    succeededRefunds: (from, to) =>
      each(
        refunds
          .all()
          .filter((r) => r.status === 'SUCCESS' && within(r.succeededAt, from, to))
          .map((r) => ({ succeededAt: r.succeededAt!, amount: r.amount })),
      ),
    async createdByStatus(from, to) {
      const made = orders.all().filter((o) => within(o.createdAt, from, to));
      const count = (s: Order['status']) => made.filter((o) => o.status === s).length;
      return { paid: count('PAID'), failed: count('FAILED'), closed: count('CLOSED'), pending: count('PENDING') };
    },
    ordersCreated: (from, to) => each(byCreation(orders.all().filter((o) => within(o.createdAt, from, to)))),
    refundsCreated: (from, to) => each(byCreation(refunds.all().filter((r) => within(r.createdAt, from, to)))),
  };
}
