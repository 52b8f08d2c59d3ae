// Token buckets, in process: each key (a customer) may spend `burst` tokens at once and earns `perSecond` back.
// One process keeps its own buckets, so N instances allow N times the rate; that bounds abuse, it is not a quota.
import type { Context, Middleware, Next } from 'koa';
import { HttpError } from '../errors';

export interface BucketLimits {
  burst: number;
  perSecond: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limits: BucketLimits,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one token for `key`: 0 when granted, else the seconds until one is available. */
  take(key: string): number {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.limits.burst, at: t };
    b.tokens = Math.min(this.limits.burst, b.tokens + ((t - b.at) / 1000) * this.limits.perSecond);
    b.at = t;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= this.maxKeys) this.sweep(t);
      this.buckets.set(key, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.limits.perSecond));
  }

  /** Drops buckets that have refilled (they hold no information). */
  private sweep(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.limits.perSecond >= this.limits.burst) this.buckets.delete(k);
    }
    if (this.buckets.size >= this.maxKeys) this.buckets.clear();
  }
}

/** 429 TOO_MANY_REQUESTS with Retry-After when `key(ctx)`'s bucket is empty. */
export function rateLimit(buckets: TokenBuckets, key: (ctx: Context) => string, what: string): Middleware {
  return async (ctx: Context, next: Next) => {
    const wait = buckets.take(key(ctx));
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      throw new HttpError(429, 'TOO_MANY_REQUESTS', `too many ${what}; retry in ${wait} s`, { retryAfterSeconds: wait });
    }
    return next();
  };
}
