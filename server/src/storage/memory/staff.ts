// Staff users, login counters and the audit trail in memory.
import type { AuditRecordData, AuditRepository, LoginAttemptStore, StaffUser, StaffUserRepository } from '../../domain/ports/staff';
import { copy } from './ids';

export function memoryStaffUsers(): StaffUserRepository {
  const users = new Map<string, StaffUser>();
  return {
    find: async (username) => copy(users.get(username)),
    async insert(u) {
      if (users.has(u.username)) return 'duplicate';
      users.set(u.username, { ...u, disabled: false });
      return 'created';
    },
    async reset(username, passwordHash, role) {
      const u = users.get(username);
      if (!u) return false;
      Object.assign(u, { passwordHash, role, disabled: false });
      return true;
    },
  };
}

export function memoryLoginAttempts(): LoginAttemptStore {
  const buckets = new Map<string, { key: string; bucketStart: Date; failures: number }>();
  return {
    failures: async (key, since) =>
      [...buckets.values()]
        .filter((b) => b.key === key && b.bucketStart >= since)
        .map((b) => ({ bucketStart: b.bucketStart, failures: b.failures })),
    async increment(key, bucketStart) {
      const id = `${key}|${bucketStart.getTime()}`;
      const b = buckets.get(id) ?? { key, bucketStart, failures: 0 };
      b.failures += 1;
      buckets.set(id, b);
    },
    async clear(key) {
      for (const [id, b] of buckets) if (b.key === key) buckets.delete(id);
    },
    async prune(before) {
      for (const [id, b] of buckets) if (b.bucketStart < before) buckets.delete(id);
    },
  };
}

export function memoryAudit(): AuditRepository & { all(): AuditRecordData[] } {
  const records: AuditRecordData[] = [];
  return {
    all: () => records.map(copy),
    async insert(r) {
      records.push(copy(r));
    },
    forOrder: async (orderId, limit) =>
      records
        .filter((r) => r.orderId === orderId)
        .slice(0, limit)
        .map(copy),
  };
}
