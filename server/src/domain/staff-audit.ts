// Writes one audit record per staff action (refused logins are counted instead, see loginRefused). Failing to audit fails the action's answer (the caller awaits it),
// except for reads, which log the failure and go on.
import type { AuditRecord, StaffRole } from '../../../shared/api';
import type { AuditRecordData, AuditRepository } from './ports/staff';

export interface Actor {
  username: string;
  role: StaffRole | 'anonymous';
}

export interface AuditEntry {
  action: string;
  target: string;
  orderId?: string;
  detail?: Record<string, unknown>;
  requestId?: string;
  ip?: string;
}

export class AuditLog {
  constructor(
    private readonly records: AuditRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(actor: Actor, e: AuditEntry): Promise<void> {
    const doc: AuditRecordData = { at: this.now(), actor: actor.username, role: actor.role, action: e.action, target: e.target };
    if (e.orderId !== undefined) doc.orderId = e.orderId;
    if (e.detail) doc.detail = e.detail;
    if (e.requestId) doc.requestId = e.requestId;
    if (e.ip) doc.ip = e.ip;
    await this.records.insert(doc);
  }

  /**
   * A refused staff login: one counter per (UTC day, username) is moved, no record is written, so
   * unauthenticated requests cannot grow the audit log. Successful logins and staff actions use `record`.
   */
  async loginRefused(username: string, code: string, ip?: string): Promise<void> {
    const at = this.now();
    await this.records.countLoginRefusal(at.toISOString().slice(0, 10), username, code, at, ip);
  }

  async forOrder(orderId: string): Promise<AuditRecord[]> {
    return (await this.records.forOrder(orderId, 500)).map(toAuditRecord);
  }
}

export function toAuditRecord(d: AuditRecordData): AuditRecord {
  const r: AuditRecord = { at: d.at.toISOString(), actor: d.actor, role: d.role as StaffRole, action: d.action, target: d.target };
  if (d.detail) r.detail = d.detail;
  return r;
}
