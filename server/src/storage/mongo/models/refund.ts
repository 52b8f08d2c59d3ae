// One document per refund. `requestId` (the staff client's idempotency key) and `outRefundNo` (ours towards
// WeChat, generated once and stored before the first call) are unique. The money itself is reserved on the
// order's counters; `reserved` and `settled` say whether this refund's reservation was taken and released.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { RefundAwaitingStaff, RefundSource, RefundStatus } from '../../../../../shared/api';
import type { RefundRecord } from '../../../domain/ports/refunds';
import { textValidator } from './text';

export const REFUND_STATUSES: readonly RefundStatus[] = ['PENDING', 'PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL', 'FAILED'];
export const REFUND_SOURCES: readonly RefundSource[] = ['REFUND_SOURCE_UNSETTLED_FUNDS', 'REFUND_SOURCE_RECHARGE_FUNDS'];
const AWAITING_STAFF: readonly RefundAwaitingStaff[] = ['NOT_ENOUGH'];

/** The stored refund: the domain's record with ObjectIds where the domain has strings (older ones lack the defaults). */
export interface RefundDoc extends Omit<RefundRecord, 'id' | 'orderId' | 'source' | 'notEnoughStreak'> {
  _id: Types.ObjectId;
  orderId: Types.ObjectId;
  source?: RefundSource;
  notEnoughStreak?: number;
}

const schema = new Schema<RefundDoc>(
  {
    orderId: { type: Schema.Types.ObjectId, required: true },
    outTradeNo: { type: String, required: true },
    outRefundNo: { type: String, required: true, match: /^[A-Za-z0-9_*@|-]{1,64}$/ },
    requestId: { type: String, required: true, maxlength: 64 },
    amount: { type: Number, required: true, min: 1, validate: Number.isInteger },
    currency: { type: String, required: true },
    orderTotal: { type: Number, required: true, min: 1 },
    reason: { type: String, validate: textValidator('refundReason') },
    source: { type: String, required: true, enum: REFUND_SOURCES, default: 'REFUND_SOURCE_UNSETTLED_FUNDS' },
    awaitingStaff: { type: String, enum: AWAITING_STAFF },
    notEnoughStreak: { type: Number, required: true, default: 0, min: 0 },
    external: { type: Boolean },
    status: { type: String, required: true, enum: REFUND_STATUSES, default: 'PENDING' },
    reserved: { type: Boolean, required: true, default: false },
    settled: { type: Boolean, required: true, default: false },
    refundId: { type: String },
    lastError: { type: new Schema({ code: String, message: String }, { _id: false }) },
    flagged: { type: String },
    attempts: { type: Number, required: true, default: 0 },
    nextSyncAt: { type: Date },
    claimedBy: { type: String },
    createdBy: { type: String, required: true },
    acceptedAt: { type: Date },
    succeededAt: { type: Date },
    closedAt: { type: Date },
  },
  { collection: 'refunds', timestamps: true, strict: 'throw', versionKey: false },
);
schema.index({ requestId: 1 }, { unique: true });
schema.index({ outRefundNo: 1 }, { unique: true });
schema.index({ orderId: 1, createdAt: 1 });
// The sync job's claim: {settled: false, nextSyncAt <= now} sorted by nextSyncAt (an index scan, not the whole
// collection every run).
schema.index({ settled: 1, nextSyncAt: 1 });
// The daily reconciliation reads the refunds accepted that day.
schema.index({ acceptedAt: 1 });
// Staff search by WeChat's refund id; the dashboard and the exports read refunds by day.
schema.index({ refundId: 1 });
schema.index({ succeededAt: 1 });
schema.index({ createdAt: 1 });
// The stuck-refund gauge: {status, createdAt < an hour ago}, counted at every metrics scrape.
schema.index({ status: 1, createdAt: 1 });
// The awaiting-staff gauge, counted at every scrape (the field exists only while a refund waits).
schema.index({ awaitingStaff: 1 });

export type RefundModel = Model<RefundDoc>;
export function refundModel(conn: Connection): RefundModel {
  return (conn.models.Refund as RefundModel | undefined) ?? conn.model<RefundDoc>('Refund', schema);
}
