// The order repository on MongoDB. Each change is one conditional updateOne / findOneAndUpdate on one document;
// idempotency comes from the unique indexes (models/order.ts; one transaction pays one order: transactionId).
// The paid-order path (insert, the customer's read, the notification's read, the transition) talks to the
// driver's collection directly: mongoose's create (hydrate, cast, validate, hooks) cost about three times the
// insert itself and its updates twice the update (docs/backend.md, "Numbers"). Those writes therefore do by hand
// what the schema would: defaults, timestamps, no undefined fields; `order-model.test.ts` holds them to the schema.
import { Types, type Connection, type QueryFilter } from 'mongoose';
import {
  NEW_ORDER_STATE,
  type AdminOrderFilter,
  type ClaimRequest,
  type NewOrder,
  type Order,
  type OrderClaimKind,
  type OrderRepository,
  type Page,
  type TransitionFields,
  type TransitionResult,
} from '../../domain/ports/orders';
import type { OrderStatus } from '../../../../shared/api';
import { isDuplicateKeyError } from './errors';
import { mustObjectId, objectId, withId } from './ids';
import { orderModel, type OrderDoc } from './models/order';
import { claimDue } from './claims';

export function toOrder(d: OrderDoc): Order {
  const o = withId(d);
  return { ...o, refundHolds: (d.refundHolds ?? []).map(String) };
}

export function mongoOrders(conn: Connection): OrderRepository & { init(): Promise<unknown> } {
  const Order = orderModel(conn);
  const raw = Order.collection;
  const write = { ignoreUndefined: true } as const;
  const one = async (filter: QueryFilter<OrderDoc>) => {
    const d = await Order.findOne(filter).lean<OrderDoc>();
    return d ? toOrder(d) : undefined;
  };
  /** The driver's findOne for the hot reads; callers pass only strings and ObjectIds (no operator can slip in). */
  const oneRaw = async (filter: Record<string, string | Types.ObjectId>) => {
    const d = await raw.findOne<OrderDoc>(filter);
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
    init: () => Order.init(),
    newId: () => new Types.ObjectId().toHexString(),
    async insert(order: NewOrder, now: Date) {
      const doc = newOrderDoc(order, now);
      try {
        await raw.insertOne(doc, write);
      } catch (err) {
        if (isDuplicateKeyError(err)) return 'duplicate';
        throw err;
      }
      return toOrder(withoutUndefined(doc));
    },
    findById: (id) => {
      const _id = objectId(id);
      return _id ? one({ _id }) : Promise.resolve(undefined);
    },
    findForCustomer: (id, openid) => {
      const _id = objectId(id);
      return _id && typeof openid === 'string' ? oneRaw({ _id, customerOpenid: openid }) : Promise.resolve(undefined);
    },
    findByOutTradeNo: (outTradeNo) => (typeof outTradeNo === 'string' ? oneRaw({ outTradeNo }) : Promise.resolve(undefined)),
    findByTransactionId: (transactionId) => one({ transactionId }),
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
      if (f.storeId) filter['till.storeId'] = f.storeId;
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
    async transition(id, from: OrderStatus[], fields: TransitionFields): Promise<TransitionResult> {
      try {
        const d = await raw.findOneAndUpdate(
          { _id: mustObjectId(id), status: { $in: from } },
          { $set: { ...fields, updatedAt: new Date() }, $unset: { nextSyncAt: 1 } },
          { ...write, returnDocument: 'after' },
        );
        return d ? toOrder(d as OrderDoc) : 'unmatched';
      } catch (err) {
        // The unique indexes on transactionId and paymentEventId: another order was paid by this transaction or
        // this event; this one is unchanged.
        if ((fields.transactionId !== undefined || fields.paymentEventId !== undefined) && isDuplicateKeyError(err)) return 'taken';
        throw err;
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

/**
 * The document `Order.create` would store for a new order: the schema's defaults and timestamps, the given id
 * (or a new one). Written with the driver; `order-model.test.ts` checks it against the schema.
 */
export function newOrderDoc({ id, ...order }: NewOrder, now: Date): OrderDoc {
  return {
    ...order,
    _id: id ? mustObjectId(id) : new Types.ObjectId(),
    ...NEW_ORDER_STATE,
    refundHolds: [],
    createdAt: now,
    updatedAt: now,
  } as OrderDoc;
}

/** What the database holds after an insert with ignoreUndefined: the same object without undefined fields. */
function withoutUndefined<T extends object>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined)) as T;
}
