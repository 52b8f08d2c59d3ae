// Staff users, failed-login counters and the audit trail on MongoDB.
import type { Connection } from 'mongoose';
import type { AuditRecordData, AuditRepository, LoginAttemptStore, StaffUser, StaffUserRepository } from '../../domain/ports/staff';
import { isDuplicateKeyError } from './errors';
import { mustObjectId, objectId } from './ids';
import { auditModel, type AuditDoc } from './models/audit';
import { loginAttemptModel } from './models/login-attempt';
import { loginRefusalModel, type LoginRefusalDoc } from './models/login-refusal';
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
        ...(d.lastAt ? { lastAt: d.lastAt } : {}),
      }));
    },
    async reserve(key, bucketStart, max, at) {
      if (max <= 0) return undefined;
      const _id = `${key}|${bucketStart.getTime()}`;
      const update = { $inc: { failures: 1 }, $max: { lastAt: at } };
      try {
        // Matches only a bucket under the maximum; a missing bucket is inserted with one attempt.
        const d = await Attempt.findOneAndUpdate(
          { _id, failures: { $lt: max } },
          { ...update, $setOnInsert: { key, bucketStart } },
          { upsert: true, returnDocument: 'after' },
        ).lean();
        return d?.failures;
      } catch (err) {
        // The upsert collided with an existing bucket: either it is full, or a concurrent request created it.
        if (!isDuplicateKeyError(err)) throw err;
      }
      const d = await Attempt.findOneAndUpdate({ _id, failures: { $lt: max } }, update, { returnDocument: 'after' }).lean();
      return d?.failures;
    },
    async release(key, bucketStart) {
      await Attempt.updateOne({ _id: `${key}|${bucketStart.getTime()}`, failures: { $gt: 0 } }, { $inc: { failures: -1 } });
    },
    async clear(key) {
      await Attempt.deleteMany({ key });
    },
    async clearPrefix(prefix) {
      await Attempt.deleteMany({ key: { $regex: `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` } });
    },
    async mark(key, until) {
      await Attempt.updateOne({ _id: key }, { $set: { key, bucketStart: until, failures: 0 } }, { upsert: true });
    },
    async marked(key, at) {
      return (await Attempt.exists({ _id: key, bucketStart: { $gt: at } })) !== null;
    },
    async prune(before) {
      await Attempt.deleteMany({ bucketStart: { $lt: before } });
    },
  };
}

export function mongoAudit(conn: Connection): AuditRepository & { init(): Promise<unknown> } {
  const Audit = auditModel(conn);
  const Refusal = loginRefusalModel(conn);
  return {
    init: () => Promise.all([Audit.init(), Refusal.init()]),
    async insert(r) {
      await Audit.create({ ...r, ...(r.orderId !== undefined ? { orderId: mustObjectId(r.orderId) } : {}) });
    },
    async countLoginRefusal(day, username, code, at, ip) {
      const update = {
        $inc: { count: 1, [`byCode.${code}`]: 1 },
        $max: { lastAt: at },
        $setOnInsert: { day, username, firstAt: at },
        ...(ip ? { $set: { lastIp: ip } } : {}),
      };
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await Refusal.updateOne({ _id: `${day}|${username}` }, update, { upsert: true });
          return;
        } catch (err) {
          // Two concurrent upserts of a new counter: one inserts, the other retries as an update.
          if (!isDuplicateKeyError(err)) throw err;
        }
      }
    },
    async loginRefusals(day, username) {
      const d = await Refusal.findById(`${day}|${username}`).lean<LoginRefusalDoc>();
      if (!d) return undefined;
      const { _id, ...rest } = d;
      void _id;
      return rest;
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
