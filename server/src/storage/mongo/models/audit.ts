// The staff audit log: one append-only record per staff action (who, with which role, what, on what, when).
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { AuditRecordData } from '../../../domain/ports/staff';

export interface AuditDoc extends Omit<AuditRecordData, 'orderId'> {
  _id: Types.ObjectId;
  orderId?: Types.ObjectId;
}

const schema = new Schema<AuditDoc>(
  {
    at: { type: Date, required: true },
    actor: { type: String, required: true },
    role: { type: String, required: true },
    action: { type: String, required: true },
    target: { type: String, required: true },
    orderId: { type: Schema.Types.ObjectId },
    detail: { type: Schema.Types.Mixed },
    requestId: { type: String },
    ip: { type: String },
  },
  { collection: 'audit_log', strict: 'throw', versionKey: false },
);
schema.index({ orderId: 1, at: 1 });
schema.index({ target: 1, at: 1 });
schema.index({ actor: 1, at: -1 });

export type AuditModel = Model<AuditDoc>;
export function auditModel(conn: Connection): AuditModel {
  return (conn.models.AuditRecord as AuditModel | undefined) ?? conn.model<AuditDoc>('AuditRecord', schema);
}
