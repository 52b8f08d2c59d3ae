// Staff users, login counters and the audit trail in memory.
import type {
  AuditRecordData,
  AuditRepository,
  LoginAttemptStore,
  LoginRefusalCount,
  StaffUser,
  StaffUserRepository,
} from '../../domain/ports/staff';
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
  const buckets = new Map<string, { key: string; bucketStart: Date; failures: number; lastAt?: Date }>();
  const marks = new Map<string, Date>();
  return {
    failures: async (key, since) =>
      [...buckets.values()]
        .filter((b) => b.key === key && b.bucketStart >= since)
        .map((b) => ({ bucketStart: b.bucketStart, failures: b.failures, ...(b.lastAt ? { lastAt: b.lastAt } : {}) })),
    async reserve(key, bucketStart, max, at) {
      // Synchronous between check and increment: the same guarantee as the database's conditional update.
      const id = `${key}|${bucketStart.getTime()}`;
      const b = buckets.get(id) ?? { key, bucketStart, failures: 0 };
      if (b.failures >= max) return undefined;
      b.failures += 1;
      if (!b.lastAt || b.lastAt < at) b.lastAt = at;
      buckets.set(id, b);
      return b.failures;
    },
    async release(key, bucketStart) {
      const b = buckets.get(`${key}|${bucketStart.getTime()}`);
      if (b && b.failures > 0) b.failures -= 1;
    },
    async clear(key) {
      for (const [id, b] of buckets) if (b.key === key) buckets.delete(id);
    },
    async clearPrefix(prefix) {
      for (const [id, b] of buckets) if (b.key.startsWith(prefix)) buckets.delete(id);
    },
    async mark(key, until) {
      marks.set(key, until);
    },
    marked: async (key, at) => (marks.get(key)?.getTime() ?? 0) > at.getTime(),
    async prune(before) {
      for (const [id, b] of buckets) if (b.bucketStart < before) buckets.delete(id);
      for (const [key, until] of marks) if (until < before) marks.delete(key);
    },
  };
}

export function memoryAudit(): AuditRepository & { all(): AuditRecordData[] } {
  const records: AuditRecordData[] = [];
  const refusals = new Map<string, LoginRefusalCount>();
  return {
    all: () => records.map(copy),
    async insert(r) {
      records.push(copy(r));
    },
    async countLoginRefusal(day, username, code, at, ip) {
      const id = `${day}|${username}`;
      const c = refusals.get(id) ?? { day, username, count: 0, byCode: {}, firstAt: at, lastAt: at };
      c.count += 1;
      c.byCode[code] = (c.byCode[code] ?? 0) + 1;
      c.lastAt = at;
      if (ip) c.lastIp = ip;
      refusals.set(id, c);
    },
    loginRefusals: async (day, username) => copy(refusals.get(`${day}|${username}`)),
    forOrder: async (orderId, limit) =>
      records
        .filter((r) => r.orderId === orderId)
        .slice(0, limit)
        .map(copy),
  };
}
