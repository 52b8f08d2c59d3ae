// The campaign's pools: the backend's bounded pool (results in input order, every task settled: the campaign
// counts failures instead of aborting on the first), and workers that keep busy until a deadline.
export { runPool, type Settled } from '../../../server/src/jobs/pool';

/** Keeps `limit` workers busy calling `task` until `deadline` (epoch ms) or until `stop()` returns true. */
export async function runUntil(
  limit: number,
  deadline: number,
  task: (worker: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  const worker = async (w: number) => {
    while (Date.now() < deadline && !stop()) {
      try {
        await task(w);
      } catch {
        // counted by the task itself
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, (_, w) => worker(w)));
}
