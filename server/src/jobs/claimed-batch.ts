// How every job works on what it claimed: a few at a time (a batch must not send all its WeChat Pay calls and
// database writes at once), every item tried, and the first failure re-thrown for the runner to log (the
// claims of failed items expire and they are tried again).
import { JOB_CONCURRENCY, runPool } from './pool';

export async function workOnClaimed<T>(claimed: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const settled = await runPool(claimed, JOB_CONCURRENCY, work);
  const failed = settled.find((r) => !r.ok);
  if (failed && !failed.ok) throw failed.error;
}
