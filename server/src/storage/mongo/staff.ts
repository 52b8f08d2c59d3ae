// Staff users, failed-login counters and the audit trail on MongoDB.
import type { Connection } from 'mongoose';
import type { AuditRecordData, AuditRepository, LoginAttemptStore, StaffUser, StaffUserRepository } from '../../domain/ports/staff';
import { isDuplicateKeyError } from './errors';
import { mustObjectId, objectId } from './ids';
import { auditModel, type AuditDoc } from './models/audit';
import { loginAttemptModel } from './models/login-attempt';
import { staffUserModel, type StaffUserDoc } from './models/staff-user';

export function mongoStaffUsers(conn: Connection): StaffUserRepository & { init(): Promise<unknown> } {
  const StaffUser = staffUserModel(conn);
  return {
    init: () => StaffUser.init(),
    async find(username) {
      const d = await StaffUser.findOne({ username }).lean<StaffUserDoc>();
      return d
        ? ({ username: d.username, passwordHash: d.passwordHash, role: d.role, disabled: d.disabled } satisfies StaffUser)
        : undefined;
    },
    async insert(u) {
      try {
        await StaffUser.create(u);
        return 'created';
      } catch (err) {
        if (isDuplicateKeyError(err)) return 'duplicate';
        throw err;
      }
    },
    async reset(username, passwordHash, role) {
      return (await StaffUser.updateOne({ username }, { $set: { passwordHash, role, disabled: false } })).matchedCount === 1;
    },
  };
}

export function mongoLoginAttempts(conn: Connection): LoginAttemptStore & { init(): Promise<unknown> } {
  const Attempt = loginAttemptModel(conn);
  return {
    init: () => Attempt.init(),
    async failures(key, since) {
      return (await Attempt.find({ key, bucketStart: { $gte: since } }).lean()).map((d) => ({
        bucketStart: d.bucketStart,
        failures: d.failures,
      }));
    },
    async increment(key, bucketStart) {
      const _id = `${key}|${bucketStart.getTime()}`;
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await Attempt.updateOne({ _id }, { $inc: { failures: 1 }, $setOnInsert: { key, bucketStart } }, { upsert: true });
          return;
        } catch (err) {
          // Two concurrent upserts of a new bucket: one inserts, the other retries as an update.
          if (!isDuplicateKeyError(err)) throw err;
        }
      }
    },
    async clear(key) {
      await Attempt.deleteMany({ key });
    },
    async prune(before) {
      await Attempt.deleteMany({ bucketStart: { $lt: before } });
    },
  };
}

export function mongoAudit(conn: Connection): AuditRepository & { init(): Promise<unknown> } {
  const Audit = auditModel(conn);
  return {
    init: () => Audit.init(),
    async insert(r) {
      await Audit.create({ ...r, ...(r.orderId !== undefined ? { orderId: mustObjectId(r.orderId) } : {}) });
    },
    async forOrder(orderId, limit) {
      const oid = objectId(orderId);
      if (!oid) return [];
      const docs = await Audit.find({ orderId: oid }).sort({ at: 1, _id: 1 }).limit(limit).lean<AuditDoc[]>();
      return docs.map(({ _id, orderId: o, ...rest }): AuditRecordData => {
        void _id;
        return { ...rest, ...(o ? { orderId: String(o) } : {}) };
      });
    },
  };
}
