// A bounded concurrency pool: at most `limit` tasks in flight, results in input order, every task settled
// (a failing task never stops the others). Jobs use it so a batch does not send all its WeChat Pay calls and
// database writes at once.

/** Claimed documents a job works on at once. */
export const JOB_CONCURRENCY = 4;

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function runPool<I, T>(
  items: readonly I[],
  limit: number,
  task: (item: I, index: number) => Promise<T>,
): Promise<Settled<T>[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`pool limit must be a positive integer, got ${limit}`);
  const results: Settled<T>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { ok: true, value: await task(items[i]!, i) };
      } catch (error) {
        results[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
