// Settles refunds that no notification settled: PENDING ones (not accepted yet: the create is sent again with
// the SAME out_refund_no), PROCESSING / ABNORMAL ones past their delay (queried), and final ones whose hold on
// the order was not released (a crash between the two steps). Every refund not settled yet is one of those. Each refund is claimed by
// one conditional update that moves its nextSyncAt forward, so two instances never work on the same refund.
import type { RefundRepository } from '../domain/ports/refunds';
import type { RefundService } from '../domain/refund-service';
import { workOnClaimed } from './claimed-batch';
import type { Job } from './runner';

export interface RefundSyncOptions {
  refundRecords: RefundRepository;
  refunds: RefundService;
  owner: string;
  intervalMs?: number;
  /** How long a claim keeps other instances away (longer than one WeChat call). */
  claimMs?: number;
  batch?: number;
  now?: () => Date;
}

/** One pass: claims due refunds and syncs each. Returns how many were looked at. */
export async function syncRefunds(deps: RefundSyncOptions): Promise<{ refunds: number }> {
  const now = deps.now?.() ?? new Date();
  const claimed = await deps.refundRecords.claimDue({ now, claimMs: deps.claimMs ?? 60_000, owner: deps.owner, limit: deps.batch ?? 50 });
  await workOnClaimed(claimed, (r) => deps.refunds.sync(r));
  return { refunds: claimed.length };
}

export function refundSyncJob(deps: RefundSyncOptions): Job {
  return { name: 'refund-sync', intervalMs: deps.intervalMs ?? 15_000, run: () => syncRefunds(deps) };
}
