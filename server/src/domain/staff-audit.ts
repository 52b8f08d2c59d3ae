// Writes one audit record per staff action. Failing to audit fails the action's answer (the caller awaits it),
// except for reads, which log the failure and go on.
import { Types } from 'mongoose';
import type { AuditRecord, StaffRole } from '../../../shared/api';
import type { AuditDoc, AuditModel } from '../models/audit';

export interface Actor {
  username: string;
  role: StaffRole | 'anonymous';
}

export interface AuditEntry {
  action: string;
  target: string;
  orderId?: string | Types.ObjectId;
  detail?: Record<string, unknown>;
  requestId?: string;
  ip?: string;
}

export class AuditLog {
  constructor(
    private readonly Audit: AuditModel,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(actor: Actor, e: AuditEntry): Promise<void> {
    const doc: Partial<AuditDoc> = { at: this.now(), actor: actor.username, role: actor.role, action: e.action, target: e.target };
    if (e.orderId !== undefined) doc.orderId = new Types.ObjectId(String(e.orderId));
    if (e.detail) doc.detail = e.detail;
    if (e.requestId) doc.requestId = e.requestId;
    if (e.ip) doc.ip = e.ip;
    await this.Audit.create(doc);
  }

  async forOrder(orderId: Types.ObjectId | string): Promise<AuditRecord[]> {
    const docs = await this.Audit.find({ orderId: new Types.ObjectId(String(orderId)) }).sort({ at: 1, _id: 1 }).limit(500).lean<AuditDoc[]>();
    return docs.map(toAuditRecord);
  }
}

export function toAuditRecord(d: AuditDoc): AuditRecord {
  const r: AuditRecord = { at: d.at.toISOString(), actor: d.actor, role: d.role as StaffRole, action: d.action, target: d.target };
  if (d.detail) r.detail = d.detail;
  return r;
}
