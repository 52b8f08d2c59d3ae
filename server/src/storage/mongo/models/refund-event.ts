// One record per refund notification id (unique): a duplicate delivery hits the index and changes nothing.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { RefundEvent } from '../../../domain/ports/events';

export interface RefundEventDoc extends Omit<RefundEvent, 'orderId'> {
  orderId?: Types.ObjectId;
}

const schema = new Schema<RefundEventDoc>(
  {
    eventId: { type: String, required: true },
    eventType: { type: String, required: true },
    outRefundNo: { type: String },
    refundId: { type: String },
    orderId: { type: Schema.Types.ObjectId },
    receivedAt: { type: Date, required: true },
    outcome: { type: String, required: true, enum: ['processing', 'applied', 'duplicate', 'rejected', 'flagged'] },
    detail: { type: String, maxlength: 500 },
  },
  { collection: 'refund_events', strict: 'throw', versionKey: false },
);
schema.index({ eventId: 1 }, { unique: true });
schema.index({ orderId: 1, receivedAt: 1 });

export type RefundEventModel = Model<RefundEventDoc>;
export function refundEventModel(conn: Connection): RefundEventModel {
  return (conn.models.RefundEvent as RefundEventModel | undefined) ?? conn.model<RefundEventDoc>('RefundEvent', schema);
}
