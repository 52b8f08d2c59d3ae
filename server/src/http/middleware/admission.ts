// Load shedding. Work that ends in database writes (and often a signed call to WeChat Pay) is admitted a few
// at a time; a short queue absorbs bursts; beyond that, or after waiting too long, the request is refused at
// once with a retryable 503 instead of joining a pile-up in which every request times out. Under overload the
// admitted requests keep finishing at the rate the database allows, and the rest learn quickly to come back.
import type { Context, Middleware, Next } from 'koa';

export interface AdmissionLimits {
  /** Requests worked on at once. */
  maxInFlight: number;
  /** Requests waiting for a slot; more are refused at once. */
  maxQueue: number;
  /** Longest wait for a slot before the request is refused. */
  maxWaitMs: number;
}

export interface AdmissionStats {
  inFlight: number;
  queued: number;
  admitted: number;
  shed: number;
}

interface Waiter {
  admit: () => void;
  timer: NodeJS.Timeout;
}

export class Admission {
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  private admitted = 0;
  private shed = 0;

  constructor(private readonly limits: AdmissionLimits) {}

  /** Resolves to a release function once admitted, or to undefined when the request is shed. */
  enter(): Promise<(() => void) | undefined> {
    if (this.inFlight < this.limits.maxInFlight && this.queue.length === 0) return Promise.resolve(this.take());
    if (this.queue.length >= this.limits.maxQueue) {
      this.shed++;
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        admit: () => resolve(this.take()),
        timer: setTimeout(() => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          this.shed++;
          resolve(undefined);
        }, this.limits.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  stats(): AdmissionStats {
    return { inFlight: this.inFlight, queued: this.queue.length, admitted: this.admitted, shed: this.shed };
  }

  private take(): () => void {
    this.inFlight++;
    this.admitted++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      const next = this.queue.shift();
      if (next) {
        clearTimeout(next.timer);
        next.admit();
      }
    };
  }
}

/**
 * Runs the downstream middleware under `admission` for requests `applies` selects; a shed request gets
 * `onShed` (which sets the answer or throws) and never reaches the handler.
 */
export function admit(admission: Admission, applies: (ctx: Context) => boolean, onShed: (ctx: Context) => void): Middleware {
  return async (ctx: Context, next: Next) => {
    if (!applies(ctx)) return next();
    const release = await admission.enter();
    if (!release) {
      ctx.set('Retry-After', '1');
      return onShed(ctx);
    }
    // A handler about to wait for something else than this server's work (a customer waiting for WeChat's
    // notification) gives its slot back early; release runs once.
    ctx.state.releaseAdmission = release;
    try {
      await next();
    } finally {
      release();
    }
  };
}
