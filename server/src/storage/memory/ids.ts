// Ids and copies for the in-memory repositories: ids look like MongoDB's (24 hex) so the same validation applies;
// every read and write copies, so a caller can never change a stored record by mutating what it holds.
import { randomBytes } from 'node:crypto';

let counter = 0;

export function newId(): string {
  counter = (counter + 1) % 0xffffff;
  return (
    Math.floor(Date.now() / 1000)
      .toString(16)
      .padStart(8, '0') +
    randomBytes(5).toString('hex') +
    counter.toString(16).padStart(6, '0')
  ).slice(0, 24);
}

export const copy = <T>(x: T): T => structuredClone(x);

/** Newest first, then by id (as the MongoDB lists sort). */
export function newestFirst<T extends { createdAt: Date; id: string }>(a: T, b: T): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The claim rule both stores share: due at or before now, soonest first; the claim pushes nextSyncAt forward. */
export function claim<T extends { nextSyncAt?: Date; claimedBy?: string }>(
  records: Iterable<T>,
  due: (r: T) => boolean,
  c: { now: Date; claimMs: number; owner: string; limit: number },
  onClaim?: (r: T) => void,
): T[] {
  const picked = [...records]
    .filter((r) => r.nextSyncAt !== undefined && r.nextSyncAt.getTime() <= c.now.getTime() && due(r))
    .sort((a, b) => a.nextSyncAt!.getTime() - b.nextSyncAt!.getTime())
    .slice(0, c.limit);
  for (const r of picked) {
    r.nextSyncAt = new Date(c.now.getTime() + c.claimMs);
    r.claimedBy = c.owner;
    onClaim?.(r);
  }
  return picked.map(copy);
}
