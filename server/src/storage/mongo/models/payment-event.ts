// One record per payment notification id (unique): the first delivery inserts it and applies the change;
// a duplicate or concurrent delivery hits the unique index and changes nothing. Rejected deliveries are kept
// too (without the unique id when the envelope could not be trusted) so a person can see them.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { PaymentEvent } from '../../../domain/ports/events';

export interface PaymentEventDoc extends Omit<PaymentEvent, 'orderId'> {
  orderId?: Types.ObjectId;
}

export const paymentEventSchema = new Schema<PaymentEventDoc>(
  {
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    outTradeNo: { type: String },
    orderId: { type: Schema.Types.ObjectId },
    transactionId: { type: String },
    receivedAt: { type: Date, required: true },
    outcome: { type: String, required: true, enum: ['applied', 'duplicate', 'rejected', 'flagged', 'ignored'] },
    detail: { type: String, maxlength: 500 },
  },
  { collection: 'payment_events', strict: 'throw', versionKey: false },
);
paymentEventSchema.index({ eventId: 1 }, { unique: true });
paymentEventSchema.index({ orderId: 1, receivedAt: 1 });

export type PaymentEventModel = Model<PaymentEventDoc>;
export function paymentEventModel(conn: Connection): PaymentEventModel {
  return (conn.models.PaymentEvent as PaymentEventModel | undefined) ?? conn.model<PaymentEventDoc>('PaymentEvent', paymentEventSchema);
}
