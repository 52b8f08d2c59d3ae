// The refund repository in memory: guards checked and changes applied in one synchronous step.
import type { RefundChange, RefundGuard, RefundRecord, RefundRepository } from '../../domain/ports/refunds';
import { claim, copy, newId } from './ids';

function matches(r: RefundRecord, g: RefundGuard): boolean {
  if (g.status !== undefined && !(typeof g.status === 'string' ? r.status === g.status : g.status.includes(r.status))) return false;
  if (g.reserved !== undefined && r.reserved !== g.reserved) return false;
  if (g.settled !== undefined && r.settled !== g.settled) return false;
  if (g.awaitingStaff !== undefined && (r.awaitingStaff ?? false) !== g.awaitingStaff) return false;
  return !(g.unflagged && r.flagged !== undefined);
}

function apply(r: RefundRecord, c: RefundChange): void {
  Object.assign(r, copy(c.set ?? {}), { updatedAt: new Date() });
  for (const k of c.unset ?? []) delete r[k];
  if (c.countAttempt) r.attempts += 1;
}

export function memoryRefunds(): RefundRepository & { all(): RefundRecord[] } {
  const byId = new Map<string, RefundRecord>();
  const list = (pred: (r: RefundRecord) => boolean) =>
    [...byId.values()]
      .filter(pred)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
      .map(copy);
  const guarded = (id: string, g: RefundGuard, c: RefundChange) => {
    const r = byId.get(id);
    if (!r || !matches(r, g)) return undefined;
    apply(r, c);
    return copy(r);
  };
  return {
    all: () => list(() => true),
    async insert(n, now) {
      if ([...byId.values()].some((r) => r.requestId === n.requestId || r.outRefundNo === n.outRefundNo)) return 'duplicate';
      const r: RefundRecord = {
        ...copy(n),
        id: newId(),
        source: n.source ?? 'REFUND_SOURCE_UNSETTLED_FUNDS',
        notEnoughStreak: 0,
        status: 'PENDING',
        reserved: false,
        settled: false,
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      };
      for (const k of ['reason', 'external', 'refundId', 'acceptedAt'] as const) if (r[k] === undefined) delete r[k];
      byId.set(r.id, r);
      return copy(r);
    },
    findById: async (id) => copy(byId.get(id.toLowerCase())),
    findByRequestId: async (requestId) => list((r) => r.requestId === requestId)[0],
    findByOutRefundNo: async (no) => list((r) => r.outRefundNo === no)[0],
    findByRefundId: async (refundId) => list((r) => r.refundId === refundId)[0],
    findByOutRefundNos: async (nos) => list((r) => nos.includes(r.outRefundNo)),
    async forOrders(orderIds) {
      const out = new Map<string, RefundRecord[]>();
      for (const r of list((x) => orderIds.includes(x.orderId))) out.set(r.orderId, [...(out.get(r.orderId) ?? []), r]);
      return out;
    },
    acceptedBetween: async (start, end) =>
      list(
        (r) =>
          r.acceptedAt !== undefined &&
          r.acceptedAt >= start &&
          r.acceptedAt < end &&
          ['PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL'].includes(r.status),
      ),
    update: async (id, g, c) => guarded(id, g, c) !== undefined,
    updateAndGet: async (id, g, c) => guarded(id, g, c),
    async deleteUnreserved(id) {
      const r = byId.get(id);
      if (r && !r.reserved && r.status === 'PENDING') byId.delete(id);
    },
    claimDue: async (c) => claim(byId.values(), (r) => !r.settled, c),
    countStuck: async (before) => {
      const old = [...byId.values()].filter((r) => r.createdAt < before);
      return {
        PENDING: old.filter((r) => r.status === 'PENDING' && r.awaitingStaff === undefined).length,
        ABNORMAL: old.filter((r) => r.status === 'ABNORMAL').length,
      };
    },
    countAwaitingStaff: async () => [...byId.values()].filter((r) => r.awaitingStaff !== undefined).length,
  };
}
