// The daily reconciliation: one document per statement day (`_id` = yyyyMMdd, so a day exists once) and one per
// difference (`_id` = date:position, written once per day; no array is updated in place).
import { Schema, type Connection, type Model } from 'mongoose';
import type { ReconciliationDiff } from '../../../../../shared/api';
import type { ReconciliationDayRecord } from '../../../domain/ports/reconciliation';

export interface ReconciliationDayDoc extends Omit<ReconciliationDayRecord, 'date'> {
  _id: string;
}
export interface ReconciliationDiffDoc extends ReconciliationDiff {
  _id: string;
  date: string;
  seq: number;
}

const side = { state: { type: String }, amount: { type: Number } };
const daySchema = new Schema<ReconciliationDayDoc>(
  {
    _id: { type: String },
    state: { type: String, required: true },
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, required: true },
    claimedBy: { type: String },
    rows: { type: Number },
    sha1: { type: String },
    totals: { payments: Number, refunds: Number, fees: Number, currency: String },
    differences: { type: Number },
    lastError: { type: String },
    reconciledAt: { type: Date },
    settlement: { batchId: String, settlementDate: String, tradeStartDate: String, tradeEndDate: String },
    settlementCheckAt: { type: Date },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'reconciliation_days', strict: 'throw', versionKey: false, _id: false },
);
daySchema.index({ state: 1, nextAttemptAt: 1 });
daySchema.index({ settlementCheckAt: 1 });

const diffSchema = new Schema<ReconciliationDiffDoc>(
  {
    _id: { type: String },
    date: { type: String, required: true },
    seq: { type: Number, required: true },
    kind: { type: String, required: true },
    outTradeNo: { type: String, required: true },
    outRefundNo: { type: String },
    wechat: side,
    local: side,
  },
  { collection: 'reconciliation_differences', strict: 'throw', versionKey: false, _id: false },
);
diffSchema.index({ date: 1, seq: 1 });

export type ReconciliationDayModel = Model<ReconciliationDayDoc>;
export type ReconciliationDiffModel = Model<ReconciliationDiffDoc>;
export function reconciliationDayModel(conn: Connection): ReconciliationDayModel {
  return (
    (conn.models.ReconciliationDay as ReconciliationDayModel | undefined) ??
    conn.model<ReconciliationDayDoc>('ReconciliationDay', daySchema)
  );
}
export function reconciliationDiffModel(conn: Connection): ReconciliationDiffModel {
  return (
    (conn.models.ReconciliationDifference as ReconciliationDiffModel | undefined) ??
    conn.model<ReconciliationDiffDoc>('ReconciliationDifference', diffSchema)
  );
}
