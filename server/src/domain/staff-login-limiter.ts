// Limits failed staff logins per username and per client address. Counts live in MongoDB (models/login-attempt)
// so the limit holds across backend instances; a key is locked while its failures in the current and the
// previous window reach the maximum (a sliding window approximated by two fixed buckets).
import type { LoginAttemptStore } from './ports/staff';

export interface LoginLimits {
  windowMs: number;
  maxPerUser: number;
  maxPerIp: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { windowMs: 15 * 60_000, maxPerUser: 5, maxPerIp: 30 };

export class LoginLimiter {
  constructor(
    private readonly attempts: LoginAttemptStore,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private bucket(now: Date): number {
    return Math.floor(now.getTime() / this.limits.windowMs) * this.limits.windowMs;
  }

  /** Failures of `key` in the current and the previous bucket. */
  private async failures(key: string, now: Date): Promise<{ current: number; previous: number }> {
    const current = this.bucket(now);
    const docs = await this.attempts.failures(key, new Date(current - this.limits.windowMs));
    let cur = 0;
    let prev = 0;
    for (const d of docs) {
      if (d.bucketStart.getTime() >= current) cur += d.failures;
      else prev += d.failures;
    }
    return { current: cur, previous: prev };
  }

  /** Seconds until another attempt is allowed, or 0 when `username` from `ip` may try now. */
  async retryAfter(username: string, ip: string): Promise<number> {
    const now = this.now();
    const bucket = this.bucket(now);
    const [u, i] = await Promise.all([this.failures(`user:${username}`, now), this.failures(`ip:${ip}`, now)]);
    let freeAt = 0;
    for (const [f, max] of [
      [u, this.limits.maxPerUser],
      [i, this.limits.maxPerIp],
    ] as const) {
      if (f.current + f.previous < max) continue;
      // The previous bucket stops counting when this window ends; the current one a window later.
      freeAt = Math.max(freeAt, bucket + (f.current >= max ? 2 : 1) * this.limits.windowMs);
    }
    return freeAt === 0 ? 0 : Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000));
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    const now = this.now();
    const bucketStart = new Date(this.bucket(now));
    await Promise.all([`user:${username}`, `ip:${ip}`].map((key) => this.attempts.increment(key, bucketStart)));
    // Housekeeping instead of a TTL index: buckets older than two windows count for nothing.
    if (Math.random() < 0.05) await this.attempts.prune(new Date(bucketStart.getTime() - 2 * this.limits.windowMs));
  }

  /** A successful login clears the username's failures (not the address's). */
  async recordSuccess(username: string): Promise<void> {
    await this.attempts.clear(`user:${username}`);
  }
}
