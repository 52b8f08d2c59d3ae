// The refund repository on MongoDB: guarded updates become one conditional updateOne / findOneAndUpdate.
import type { Connection, QueryFilter, UpdateQuery } from 'mongoose';
import type { NewRefund, RefundChange, RefundGuard, RefundRecord, RefundRepository } from '../../domain/ports/refunds';
import { claimDue } from './claims';
import { isDuplicateKeyError } from './errors';
import { mustObjectId, objectId, withId } from './ids';
import { refundModel, type RefundDoc } from './models/refund';

export function toRefund(d: RefundDoc): RefundRecord {
  // Refunds stored before `source` and `notEnoughStreak` existed read as the defaults they were sent with.
  return {
    ...withId(d),
    orderId: String(d.orderId),
    source: d.source ?? 'REFUND_SOURCE_UNSETTLED_FUNDS',
    notEnoughStreak: d.notEnoughStreak ?? 0,
  };
}

function filterFor(id: string, g: RefundGuard): QueryFilter<RefundDoc> {
  const f: QueryFilter<RefundDoc> = { _id: mustObjectId(id) };
  if (g.status !== undefined) f.status = typeof g.status === 'string' ? g.status : { $in: [...g.status] };
  if (g.reserved !== undefined) f.reserved = g.reserved;
  if (g.settled !== undefined) f.settled = g.settled;
  if (g.unflagged) f.flagged = { $exists: false };
  if (g.awaitingStaff !== undefined) f.awaitingStaff = g.awaitingStaff === false ? { $exists: false } : g.awaitingStaff;
  return f;
}

function updateFor(c: RefundChange): UpdateQuery<RefundDoc> {
  const u: UpdateQuery<RefundDoc> = {};
  if (c.set && Object.keys(c.set).length) u.$set = c.set;
  if (c.unset?.length) u.$unset = Object.fromEntries(c.unset.map((k) => [k, 1]));
  if (c.countAttempt) u.$inc = { attempts: 1 };
  return u;
}

export function mongoRefunds(conn: Connection): RefundRepository & { init(): Promise<unknown> } {
  const Refund = refundModel(conn);
  const one = async (filter: QueryFilter<RefundDoc>) => {
    const d = await Refund.findOne(filter).lean<RefundDoc>();
    return d ? toRefund(d) : undefined;
  };
  const many = async (filter: QueryFilter<RefundDoc>) =>
    (await Refund.find(filter).sort({ createdAt: 1, _id: 1 }).lean<RefundDoc[]>()).map(toRefund);
  return {
    init: () => Refund.init(),
    async insert(r: NewRefund) {
      try {
        const created = await Refund.create({ ...r, orderId: mustObjectId(r.orderId), status: 'PENDING' });
        return toRefund(created.toObject() as RefundDoc);
      } catch (err) {
        if (isDuplicateKeyError(err)) return 'duplicate';
        throw err;
      }
    },
    findById: (id) => {
      const _id = objectId(id);
      return _id ? one({ _id }) : Promise.resolve(undefined);
    },
    findByRequestId: (requestId) => one({ requestId }),
    findByOutRefundNo: (outRefundNo) => one({ outRefundNo }),
    findByRefundId: (refundId) => one({ refundId }),
    findByOutRefundNos: (nos) => (nos.length ? many({ outRefundNo: { $in: nos } }) : Promise.resolve([])),
    async forOrders(orderIds) {
      const ids = orderIds.map(objectId).filter((x) => x !== undefined);
      const out = new Map<string, RefundRecord[]>();
      if (!ids.length) return out;
      for (const r of await many({ orderId: { $in: ids } })) out.set(r.orderId, [...(out.get(r.orderId) ?? []), r]);
      return out;
    },
    acceptedBetween: (start, end) =>
      many({ acceptedAt: { $gte: start, $lt: end }, status: { $in: ['PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL'] } }),
    async update(id, guard, change) {
      const r = await Refund.updateOne(filterFor(id, guard), updateFor(change));
      return r.matchedCount === 1;
    },
    async updateAndGet(id, guard, change) {
      const d = await Refund.findOneAndUpdate(filterFor(id, guard), updateFor(change), { returnDocument: 'after' }).lean<RefundDoc>();
      return d ? toRefund(d) : undefined;
    },
    async deleteUnreserved(id) {
      await Refund.deleteOne({ _id: mustObjectId(id), reserved: false, status: 'PENDING' });
    },
    async claimDue(c) {
      return (await claimDue<RefundDoc>({ model: Refund, filter: { settled: false }, ...c })).map(toRefund);
    },
    async countStuck(before) {
      const [PENDING, ABNORMAL] = await Promise.all([
        Refund.countDocuments({ status: 'PENDING', createdAt: { $lt: before }, awaitingStaff: { $exists: false } }),
        Refund.countDocuments({ status: 'ABNORMAL', createdAt: { $lt: before } }),
      ]);
      return { PENDING, ABNORMAL };
    },
    countAwaitingStaff: () => Refund.countDocuments({ awaitingStaff: { $exists: true } }),
  };
}
