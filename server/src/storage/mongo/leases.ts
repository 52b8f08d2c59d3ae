// Named leases in the `leases` collection, for work that must run on one instance at a time.
import { Schema, type Connection, type Model } from 'mongoose';
import type { LeaseStore } from '../../domain/ports/leases';
import { isDuplicateKeyError } from './errors';

interface LeaseDoc {
  _id: string;
  owner: string;
  until: Date;
}

const leaseSchema = new Schema<LeaseDoc>(
  { _id: { type: String }, owner: { type: String, required: true }, until: { type: Date, required: true } },
  { collection: 'leases', versionKey: false },
);

export function leaseModel(conn: Connection): Model<LeaseDoc> {
  return (conn.models.Lease as Model<LeaseDoc> | undefined) ?? conn.model<LeaseDoc>('Lease', leaseSchema);
}

export function mongoLeases(conn: Connection): LeaseStore {
  const Lease = leaseModel(conn);
  return {
    async acquire(name, owner, now, until) {
      const taken = await Lease.findOneAndUpdate(
        { _id: name, $or: [{ owner }, { until: { $lte: now } }] },
        { $set: { owner, until } },
        { returnDocument: 'after' },
      ).lean();
      if (taken) return true;
      try {
        await Lease.create({ _id: name, owner, until });
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false; // someone else holds it
        throw err;
      }
    },
    async release(name, owner) {
      await Lease.updateOne({ _id: name, owner }, { $set: { until: new Date(0) } });
    },
  };
}
