// The order repository in memory: the same conditions as the MongoDB one, checked and applied synchronously
// (JavaScript runs each method's check-and-set without interleaving, which is what MongoDB's single-document
// atomicity gives the other one).
import { NEW_ORDER_STATE, type NewOrder, type Order, type OrderRepository, type Page } from '../../domain/ports/orders';
import { claim, copy, newestFirst, newId } from './ids';

export function memoryOrders(): OrderRepository & { all(): Order[] } {
  const byId = new Map<string, Order>();
  const byTransaction = new Map<string, string>(); // the unique index on transactionId: transaction id -> order id
  const byEvent = new Map<string, string>(); // the unique index on paymentEventId: event id -> order id
  const find = (pred: (o: Order) => boolean) => [...byId.values()].find(pred);
  const page = (items: Order[], p: number, size: number): Page<Order> => ({
    items: items
      .sort(newestFirst)
      .slice((p - 1) * size, p * size)
      .map(copy),
    total: items.length,
  });
  const pending = (id: string) => {
    const o = byId.get(id);
    return o && o.status === 'PENDING' ? o : undefined;
  };
  return {
    all: () => [...byId.values()].map(copy),
    newId,
    async insert(n: NewOrder, now: Date) {
      if (find((o) => o.outTradeNo === n.outTradeNo || (o.customerOpenid === n.customerOpenid && o.clientRequestId === n.clientRequestId)))
        return 'duplicate';
      const order: Order = {
        ...copy(n),
        id: n.id ?? newId(),
        ...NEW_ORDER_STATE,
        createdAt: now,
        updatedAt: now,
        refundHolds: [],
      };
      byId.set(order.id, order);
      return copy(order);
    },
    findById: async (id) => copy(byId.get(id.toLowerCase())),
    findForCustomer: async (id, openid) => {
      const o = byId.get(id.toLowerCase());
      return o?.customerOpenid === openid ? copy(o) : undefined;
    },
    findByOutTradeNo: async (no) => copy(find((o) => o.outTradeNo === no)),
    findByTransactionId: async (txId) => {
      const id = byTransaction.get(txId);
      return id === undefined ? undefined : copy(byId.get(id));
    },
    findByOutTradeNos: async (nos) => [...byId.values()].filter((o) => nos.includes(o.outTradeNo)).map(copy),
    findByRequest: async (openid, key) => copy(find((o) => o.customerOpenid === openid && o.clientRequestId === key)),
    listForCustomer: async (openid, p, size) =>
      page(
        [...byId.values()].filter((o) => o.customerOpenid === openid),
        p,
        size,
      ),
    listForStaff: async (f, p, size) =>
      page(
        [...byId.values()].filter(
          (o) =>
            (!f.status || o.status === f.status) &&
            (!f.outTradeNo || o.outTradeNo === f.outTradeNo) &&
            (!f.transactionId || o.transactionId === f.transactionId) &&
            (!f.storeId || o.till?.storeId === f.storeId) &&
            (!f.from || o.createdAt >= f.from) &&
            (!f.to || o.createdAt < f.to),
        ),
        p,
        size,
      ),
    paidBetween: async (start, end) =>
      [...byId.values()].filter((o) => o.status === 'PAID' && o.paidAt && o.paidAt >= start && o.paidAt < end).map(copy),
    async setPrepay(id, prepayId, prepayExpiresAt) {
      const o = pending(id);
      if (!o) return undefined;
      Object.assign(o, { prepayId, prepayExpiresAt, updatedAt: new Date() });
      return copy(o);
    },
    async touch(id, now) {
      const o = pending(id);
      if (o) o.updatedAt = now;
    },
    async noteTradeState(id, tradeState) {
      const o = pending(id);
      if (o) Object.assign(o, { wxTradeState: tradeState, updatedAt: new Date() });
    },
    async flag(id, reason) {
      const o = byId.get(id);
      if (o && o.flagged === undefined) Object.assign(o, { flagged: reason, updatedAt: new Date() });
    },
    async transition(id, from, fields) {
      const o = byId.get(id);
      if (!o || !from.includes(o.status)) return 'unmatched';
      // The unique indexes on transactionId and paymentEventId (sparse: orders without one never collide).
      const tx = fields.transactionId;
      const ev = fields.paymentEventId;
      if (tx !== undefined && (byTransaction.get(tx) ?? o.id) !== o.id) return 'taken';
      if (ev !== undefined && (byEvent.get(ev) ?? o.id) !== o.id) return 'taken';
      if (tx !== undefined) byTransaction.set(tx, o.id);
      if (ev !== undefined) byEvent.set(ev, o.id);
      Object.assign(o, copy(fields), { updatedAt: new Date() });
      delete o.nextSyncAt;
      return copy(o);
    },
    async claimDue(kind, c) {
      const due = (o: Order) =>
        o.status === 'PENDING' && o.flagged === undefined && (kind === 'pending' ? o.expiresAt > c.now : o.expiresAt <= c.now);
      return claim(byId.values(), due, c, (o) => o.syncAttempts++);
    },
    async reschedule(id, owner, nextSyncAt) {
      const o = pending(id);
      if (o && o.claimedBy === owner) o.nextSyncAt = nextSyncAt;
    },
    async takeRefundHold(orderId, refundId, amount, maxRefunds) {
      const o = byId.get(orderId);
      if (!o || o.status !== 'PAID' || o.refundable < amount || o.refundCount >= maxRefunds || o.refundHolds.includes(refundId))
        return false;
      o.refundable -= amount;
      o.refundReserved += amount;
      o.refundCount += 1;
      o.refundHolds.push(refundId);
      return true;
    },
    hasRefundHold: async (orderId, refundId) => byId.get(orderId)?.refundHolds.includes(refundId) ?? false,
    async releaseRefundHold(orderId, refundId, amount, to, uncount) {
      const o = byId.get(orderId);
      if (!o || !o.refundHolds.includes(refundId)) return false;
      o.refundReserved -= amount;
      o[to] += amount;
      if (uncount) o.refundCount -= 1;
      o.refundHolds = o.refundHolds.filter((r) => r !== refundId);
      return true;
    },
  };
}
