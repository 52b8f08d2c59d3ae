// The order repository on MongoDB. Each change is one conditional updateOne / findOneAndUpdate on one document;
// idempotency comes from the unique indexes (models/order.ts) and the transaction bindings.
import { Types, type Connection, type QueryFilter } from 'mongoose';
import type {
  AdminOrderFilter,
  ClaimRequest,
  NewOrder,
  Order,
  OrderClaimKind,
  OrderRepository,
  Page,
  TransitionFields,
} from '../../domain/ports/orders';
import type { OrderStatus } from '../../../../shared/api';
import { isDuplicateKeyError } from './errors';
import { mustObjectId, objectId, withId } from './ids';
import { orderModel, type OrderDoc } from './models/order';
import { transactionBindingModel } from './models/transaction-binding';
import { claimDue } from './claims';

export function toOrder(d: OrderDoc): Order {
  const o = withId(d);
  return { ...o, refundHolds: (d.refundHolds ?? []).map(String) };
}

export function mongoOrders(conn: Connection): OrderRepository & { init(): Promise<unknown> } {
  const Order = orderModel(conn);
  const Binding = transactionBindingModel(conn);
  const one = async (filter: QueryFilter<OrderDoc>) => {
    const d = await Order.findOne(filter).lean<OrderDoc>();
    return d ? toOrder(d) : undefined;
  };
  const page = async (filter: QueryFilter<OrderDoc>, p: number, size: number): Promise<Page<Order>> => {
    const [items, total] = await Promise.all([
      Order.find(filter)
        .sort({ createdAt: -1, _id: -1 })
        .skip((p - 1) * size)
        .limit(size)
        .lean<OrderDoc[]>(),
      Order.countDocuments(filter),
    ]);
    return { items: items.map(toOrder), total };
  };
  return {
    init: () => Promise.all([Order.init(), Binding.init()]),
    newId: () => new Types.ObjectId().toHexString(),
    async insert({ id, ...order }: NewOrder) {
      try {
        const created = await Order.create({ ...order, ...(id ? { _id: mustObjectId(id) } : {}), status: 'PENDING' });
        return toOrder(created.toObject() as OrderDoc);
      } catch (err) {
        if (isDuplicateKeyError(err)) return 'duplicate';
        throw err;
      }
    },
    findById: (id) => {
      const _id = objectId(id);
      return _id ? one({ _id }) : Promise.resolve(undefined);
    },
    findForCustomer: (id, openid) => {
      const _id = objectId(id);
      return _id ? one({ _id, customerOpenid: openid }) : Promise.resolve(undefined);
    },
    findByOutTradeNo: (outTradeNo) => one({ outTradeNo }),
    async findByTransactionId(transactionId) {
      const binding = await Binding.findById(transactionId).lean<{ outTradeNo: string }>();
      return binding ? one({ outTradeNo: binding.outTradeNo }) : undefined;
    },
    findByRequest: (customerOpenid, clientRequestId) => one({ customerOpenid, clientRequestId }),
    async findByOutTradeNos(outTradeNos) {
      if (!outTradeNos.length) return [];
      return (await Order.find({ outTradeNo: { $in: outTradeNos } }).lean<OrderDoc[]>()).map(toOrder);
    },
    listForCustomer: (openid, p, size) => page({ customerOpenid: openid }, p, size),
    listForStaff(f: AdminOrderFilter, p, size) {
      const filter: QueryFilter<OrderDoc> = {};
      if (f.status) filter.status = f.status;
      if (f.outTradeNo) filter.outTradeNo = f.outTradeNo;
      if (f.transactionId) filter.transactionId = f.transactionId;
      if (f.from || f.to) filter.createdAt = { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) };
      return page(filter, p, size);
    },
    async paidBetween(start, end) {
      return (await Order.find({ status: 'PAID', paidAt: { $gte: start, $lt: end } }).lean<OrderDoc[]>()).map(toOrder);
    },
    async setPrepay(id, prepayId, prepayExpiresAt) {
      const d = await Order.findOneAndUpdate(
        { _id: mustObjectId(id), status: 'PENDING' },
        { $set: { prepayId, prepayExpiresAt } },
        { returnDocument: 'after' },
      ).lean<OrderDoc>();
      return d ? toOrder(d) : undefined;
    },
    async touch(id, now) {
      await Order.updateOne({ _id: mustObjectId(id), status: 'PENDING' }, { $set: { updatedAt: now } });
    },
    async noteTradeState(id, tradeState) {
      await Order.updateOne({ _id: mustObjectId(id), status: 'PENDING' }, { $set: { wxTradeState: tradeState } });
    },
    async flag(id, reason) {
      await Order.updateOne({ _id: mustObjectId(id), flagged: { $exists: false } }, { $set: { flagged: reason } });
    },
    async transition(id, from: OrderStatus[], fields: TransitionFields) {
      const r = await Order.updateOne({ _id: mustObjectId(id), status: { $in: from } }, { $set: { ...fields }, $unset: { nextSyncAt: 1 } });
      return r.modifiedCount === 1;
    },
    async bindTransaction(transactionId, outTradeNo, now) {
      // A collection keyed by transaction id stands in for a partial unique index on orders.transactionId
      // (FerretDB 1.x has none): see docs/storage.md.
      try {
        await Binding.create({ _id: transactionId, outTradeNo, boundAt: now });
        return true;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const existing = await Binding.findById(transactionId).lean<{ outTradeNo: string }>();
        return existing?.outTradeNo === outTradeNo;
      }
    },
    async claimDue(kind: OrderClaimKind, c: ClaimRequest) {
      const filter: QueryFilter<OrderDoc> = {
        status: 'PENDING',
        expiresAt: kind === 'pending' ? { $gt: c.now } : { $lte: c.now },
        flagged: { $exists: false },
      };
      return (await claimDue<OrderDoc>({ model: Order, filter, ...c, inc: { syncAttempts: 1 } })).map(toOrder);
    },
    async reschedule(id, owner, nextSyncAt) {
      await Order.updateOne({ _id: mustObjectId(id), status: 'PENDING', claimedBy: owner }, { $set: { nextSyncAt } });
    },
    async takeRefundHold(orderId, refundId, amount, maxRefunds) {
      const rid = mustObjectId(refundId);
      const r = await Order.updateOne(
        {
          _id: mustObjectId(orderId),
          status: 'PAID',
          refundable: { $gte: amount },
          refundCount: { $lt: maxRefunds },
          refundHolds: { $ne: rid },
        },
        { $inc: { refundable: -amount, refundReserved: amount, refundCount: 1 }, $push: { refundHolds: rid } },
      );
      return r.modifiedCount === 1;
    },
    async hasRefundHold(orderId, refundId) {
      return (await Order.exists({ _id: mustObjectId(orderId), refundHolds: mustObjectId(refundId) })) !== null;
    },
    async releaseRefundHold(orderId, refundId, amount, to, uncount) {
      const rid = mustObjectId(refundId);
      const inc: Record<string, number> = { refundReserved: -amount, [to]: amount };
      if (uncount) inc.refundCount = -1;
      const r = await Order.updateOne({ _id: mustObjectId(orderId), refundHolds: rid }, { $inc: inc, $pull: { refundHolds: rid } });
      return r.modifiedCount === 1;
    },
  };
}
