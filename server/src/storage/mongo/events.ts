// Notification records on MongoDB: one document per event id (unique index).
import type { Connection, Model } from 'mongoose';
import type { EventLog, PaymentEvent, PaymentEventLog, RefundEvent, RefundEventLog } from '../../domain/ports/events';
import { isDuplicateKeyError } from './errors';
import { mustObjectId, objectId } from './ids';
import { paymentEventModel } from './models/payment-event';
import { refundEventModel } from './models/refund-event';

type Stored<E> = Omit<E, 'orderId'> & { orderId?: unknown };

function eventLog<E extends { eventId: string; outcome: string; detail?: string; orderId?: string }>(
  M: Model<Stored<E>>,
): EventLog<E> & { init(): Promise<unknown> } {
  const toEvent = (d: Stored<E> & { _id?: unknown }): E => {
    const { _id, orderId, ...rest } = d;
    void _id;
    return { ...rest, ...(orderId ? { orderId: String(orderId) } : {}) } as unknown as E;
  };
  return {
    init: () => M.init(),
    async insert(e) {
      // One insert per delivery, with the driver (mongoose's create cost about three times the insert); the
      // fields are the domain's own, and `detail` is cut to the schema's 500 characters.
      const doc = {
        ...e,
        ...(e.orderId ? { orderId: mustObjectId(e.orderId) } : {}),
        ...(e.detail !== undefined ? { detail: e.detail.slice(0, 500) } : {}),
      };
      try {
        await M.collection.insertOne(doc as never, { ignoreUndefined: true });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },
    async find(eventId) {
      const d = await M.findOne({ eventId }).lean<Stored<E>>();
      return d ? toEvent(d) : undefined;
    },
    async setOutcome(eventId, outcome, detail) {
      await M.updateOne({ eventId }, { $set: { outcome, ...(detail ? { detail } : {}) } });
    },
    async forOrder(orderId, limit) {
      const oid = objectId(orderId);
      if (!oid) return [];
      return (await M.find({ orderId: oid }).sort({ receivedAt: 1 }).limit(limit).lean<Stored<E>[]>()).map(toEvent);
    },
  };
}

export const mongoPaymentEvents = (conn: Connection): PaymentEventLog & { init(): Promise<unknown> } =>
  eventLog<PaymentEvent>(paymentEventModel(conn) as unknown as Model<Stored<PaymentEvent>>);
export const mongoRefundEvents = (conn: Connection): RefundEventLog & { init(): Promise<unknown> } =>
  eventLog<RefundEvent>(refundEventModel(conn) as unknown as Model<Stored<RefundEvent>>);
