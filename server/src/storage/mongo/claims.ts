// A per-document claim for jobs on several backend instances: a document is due when `nextSyncAt <= now`;
// claiming it is one conditional update that pushes `nextSyncAt` forward (and records the instance), so exactly
// one instance works on it, and a crashed instance's claim simply expires. Orders and refunds both use it.
import type { QueryFilter, Model as AnyModel } from 'mongoose';

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
export async function claimDue<T>(deps: ClaimOptions<T>): Promise<T[]> {
  const field = deps.field ?? 'nextSyncAt';
  const due = { ...deps.filter, [field]: { $lte: deps.now } } as QueryFilter<T>;
  const candidates = await deps.model
    .find(due)
    .sort({ [field]: 1 })
    .limit(deps.limit)
    .lean<Array<T & { _id: unknown }>>();
  const claimed: T[] = [];
  for (const c of candidates) {
    const current = (c as Record<string, unknown>)[field];
    const update: Record<string, unknown> = { $set: { [field]: new Date(deps.now.getTime() + deps.claimMs), claimedBy: deps.owner } };
    if (deps.inc) update.$inc = deps.inc;
    // Conditional on the value we read: if another instance claimed it meanwhile, this matches nothing.
    const doc = await deps.model
      .findOneAndUpdate({ ...deps.filter, _id: c._id, [field]: current } as QueryFilter<T>, update, { returnDocument: 'after' })
      .lean<T>();
    if (doc) claimed.push(doc);
  }
  return claimed;
}
