// Runs jobs on intervals. A job run never overlaps itself on one instance; a job with `lease` runs on one
// instance at a time across the fleet. Failures are logged and retried on the next tick.
import type { LeaseStore } from '../domain/ports/leases';
import type { Logger } from '../logger';

export interface Job {
  name: string;
  intervalMs: number;
  /** Hold a fleet-wide lease while running (for jobs without per-document claims). */
  lease?: boolean;
  run(): Promise<unknown>;
}

export class JobRunner {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly leases: LeaseStore,
    private readonly owner: string,
    private readonly logger: Logger,
    private readonly jobs: Job[] = [],
  ) {}

  add(job: Job): this {
    this.jobs.push(job);
    return this;
  }

  start(): void {
    for (const job of this.jobs) {
      const leaseName = job.lease ? `job:${job.name}` : undefined;
      let busy = false;
      const tick = async () => {
        if (busy || this.stopped) return;
        busy = true;
        const started = Date.now();
        try {
          const now = new Date();
          const until = new Date(now.getTime() + Math.max(job.intervalMs * 3, 30_000));
          if (leaseName && !(await this.leases.acquire(leaseName, this.owner, now, until))) return;
          const result = await job.run();
          if (result && typeof result === 'object' && Object.values(result).some((v) => typeof v === 'number' && v > 0)) {
            this.logger.info({ job: job.name, ms: Date.now() - started, ...(result as object) }, 'job run');
          }
        } catch (err) {
          this.logger.error({ job: job.name, err: { message: (err as Error).message } }, 'job failed');
        } finally {
          busy = false;
        }
      };
      const guarded = () => {
        const p = tick();
        this.running.add(p);
        void p.finally(() => this.running.delete(p));
      };
      this.timers.push(setInterval(guarded, job.intervalMs));
      setImmediate(guarded);
    }
  }

  /** Stops scheduling and waits for runs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.allSettled([...this.running]);
  }
}
