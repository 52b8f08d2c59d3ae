// Coordination for jobs on several backend instances, two tools:
// - `claimDue`: a per-document claim. A document is due when `nextSyncAt <= now`; claiming it is one
//   conditional update that pushes `nextSyncAt` forward (and records the instance), so exactly one instance
//   works on it, and a crashed instance's claim simply expires.
// - `Lease`: a named lease in the `leases` collection for work that must run on one instance at a time.
import { Schema, type Connection, type Model } from 'mongoose';
import type { QueryFilter, Model as AnyModel } from 'mongoose';
import { isDuplicateKeyError } from '../db/errors';

export interface ClaimOptions<T> {
  model: AnyModel<T>;
  /** Extra conditions for "due" (for example `{status: 'PENDING'}`). */
  filter: QueryFilter<T>;
  /** The date field that says when a document is due (default nextSyncAt). */
  field?: string;
  now: Date;
  claimMs: number;
  owner: string;
  limit: number;
  /** Extra $inc on claim (for example attempts counters). */
  inc?: Record<string, number>;
}

/** Claims up to `limit` due documents and returns them as claimed (after the update). */
export async function claimDue<T>(o: ClaimOptions<T>): Promise<T[]> {
  const field = o.field ?? 'nextSyncAt';
  const due = { ...o.filter, [field]: { $lte: o.now } } as QueryFilter<T>;
  const candidates = await o.model.find(due).sort({ [field]: 1 }).limit(o.limit).lean<Array<T & { _id: unknown }>>();
  const claimed: T[] = [];
  for (const c of candidates) {
    const current = (c as Record<string, unknown>)[field];
    const update: Record<string, unknown> = { $set: { [field]: new Date(o.now.getTime() + o.claimMs), claimedBy: o.owner } };
    if (o.inc) update.$inc = o.inc;
    // Conditional on the value we read: if another instance claimed it meanwhile, this matches nothing.
    const doc = await o.model
      .findOneAndUpdate({ ...o.filter, _id: c._id, [field]: current } as QueryFilter<T>, update, { returnDocument: 'after' })
      .lean<T>();
    if (doc) claimed.push(doc);
  }
  return claimed;
}

interface LeaseDoc {
  _id: string;
  owner: string;
  until: Date;
}

const leaseSchema = new Schema<LeaseDoc>({ _id: { type: String }, owner: { type: String, required: true }, until: { type: Date, required: true } }, { collection: 'leases', versionKey: false });

export function leaseModel(conn: Connection): Model<LeaseDoc> {
  return (conn.models.Lease as Model<LeaseDoc> | undefined) ?? conn.model<LeaseDoc>('Lease', leaseSchema);
}

export class Lease {
  private readonly Lease: Model<LeaseDoc>;
  constructor(
    conn: Connection,
    readonly name: string,
    readonly owner: string,
  ) {
    this.Lease = leaseModel(conn);
  }

  /** Takes or renews the lease for `ms`; false when another owner holds an unexpired one. */
  async acquire(ms: number, now = new Date()): Promise<boolean> {
    const until = new Date(now.getTime() + ms);
    const taken = await this.Lease.findOneAndUpdate(
      { _id: this.name, $or: [{ owner: this.owner }, { until: { $lte: now } }] },
      { $set: { owner: this.owner, until } },
      { returnDocument: 'after' },
    ).lean();
    if (taken) return true;
    try {
      await this.Lease.create({ _id: this.name, owner: this.owner, until });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false; // someone else holds it
      throw err;
    }
  }

  async release(): Promise<void> {
    await this.Lease.updateOne({ _id: this.name, owner: this.owner }, { $set: { until: new Date(0) } });
  }
}
