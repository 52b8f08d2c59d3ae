// The daily reconciliation job: each pass records the days to watch, reconciles the due ones (each claimed by one
// conditional update, so instances share the work without a fleet-wide lease) and matches settlement batches.
import type { DailyReconciliation } from '../domain/daily-reconciliation';
import type { Job } from './runner';

export interface DailyReconciliationJobOptions {
  daily: DailyReconciliation;
  owner: string;
  intervalMs?: number;
  now?: () => Date;
}

export function dailyReconciliationJob(deps: DailyReconciliationJobOptions): Job {
  return {
    name: 'daily-reconciliation',
    intervalMs: Math.max(deps.intervalMs ?? 60_000, 50),
    run: () => deps.daily.run(deps.owner, deps.now?.() ?? new Date()),
  };
}
