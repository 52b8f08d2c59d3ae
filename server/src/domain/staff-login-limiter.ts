// Limits staff password checks. Counts live in the database (models/login-attempt) so the limits hold across
// backend instances, and every check is RESERVED by one conditional update before the password is verified, so
// no burst of concurrent requests, on one instance or several, checks more passwords than a limit allows.
// Windows are fixed buckets; a key's count is its current and previous bucket (an approximate sliding window).
//
// Keys (per window):
// - `pair:<user>|<address>`: at most maxPerUserAddress checks, with growing delays between failures (2 s, 4 s,
//   8 s... up to 60 s, from the third attempt on). A success clears it.
// - `user:<user>`: the account ceiling, maxPerUser checks from addresses the account has not logged in from
//   (within knownAddressMs). An attacker who knows the username exhausts it, but the owner from an address they
//   logged in from before only needs the pair budget, so they are never locked out by others.
// - `ip:<address>`: maxPerIp checks across usernames, also not applied to the account's known addresses.
// A success gives back its account and address reservations (it was not a guess) and marks the address known.
import type { LoginAttemptStore } from './ports/staff';

export interface LoginLimits {
  windowMs: number;
  maxPerUser: number;
  maxPerUserAddress: number;
  maxPerIp: number;
  knownAddressMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  windowMs: 15 * 60_000,
  maxPerUser: 10,
  maxPerUserAddress: 5,
  maxPerIp: 30,
  knownAddressMs: 30 * 86400_000,
};

/** The reservation a password check holds; hand it to `succeeded` when the password was right. */
export interface LoginTicket {
  username: string;
  ip: string;
  bucketStart: Date;
  held: string[];
}

export type Reservation = { ticket: LoginTicket } | { retryAfterSeconds: number };

/** Growing delay (ms) before the next attempt of a (user, address) pair that has `n` recent attempts. */
export function pairDelayMs(n: number): number {
  return n < 3 ? 0 : Math.min(2 ** (n - 2), 60) * 1000;
}

export class LoginLimiter {
  constructor(
    private readonly attempts: LoginAttemptStore,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private bucket(now: Date): number {
    return Math.floor(now.getTime() / this.limits.windowMs) * this.limits.windowMs;
  }

  /** Attempts of `key` in the current and the previous bucket, and the latest one's time. */
  private async count(key: string, now: Date): Promise<{ current: number; previous: number; lastAt: number }> {
    const current = this.bucket(now);
    const docs = await this.attempts.failures(key, new Date(current - this.limits.windowMs));
    let cur = 0;
    let prev = 0;
    let lastAt = 0;
    for (const d of docs) {
      if (d.bucketStart.getTime() >= current) cur += d.failures;
      else prev += d.failures;
      if (d.lastAt) lastAt = Math.max(lastAt, d.lastAt.getTime());
    }
    return { current: cur, previous: prev, lastAt };
  }

  private seconds(ms: number): number {
    return Math.max(1, Math.ceil(ms / 1000));
  }

  /** Seconds until `key` (at its maximum) frees a slot. */
  private async freeIn(key: string, max: number, now: Date): Promise<number> {
    const f = await this.count(key, now);
    // The previous bucket stops counting when this window ends; the current one a window later.
    const freeAt = this.bucket(now) + (f.current >= max ? 2 : 1) * this.limits.windowMs;
    return this.seconds(freeAt - now.getTime());
  }

  /**
   * Reserves one password check for `username` from `ip`, or says how long to wait. Each reservation is one
   * conditional update in the store, taken before the password is looked at.
   */
  async reserve(username: string, ip: string): Promise<Reservation> {
    const now = this.now();
    const bucketStart = new Date(this.bucket(now));
    const pairKey = `pair:${username}|${ip}`;
    const [pair, known] = await Promise.all([this.count(pairKey, now), this.attempts.marked(`known:${username}|${ip}`, now)]);
    const delay = pair.lastAt + pairDelayMs(pair.current + pair.previous) - now.getTime();
    if (delay > 0) return { retryAfterSeconds: this.seconds(delay) };

    const keys: Array<[string, number, number]> = [[pairKey, this.limits.maxPerUserAddress, pair.previous]];
    if (!known) {
      const [u, i] = await Promise.all([this.count(`user:${username}`, now), this.count(`ip:${ip}`, now)]);
      keys.push([`user:${username}`, this.limits.maxPerUser, u.previous], [`ip:${ip}`, this.limits.maxPerIp, i.previous]);
    }
    const held: string[] = [];
    for (const [key, max, previous] of keys) {
      if ((await this.attempts.reserve(key, bucketStart, max - previous, now)) === undefined) {
        await Promise.all(held.map((k) => this.attempts.release(k, bucketStart)));
        return { retryAfterSeconds: await this.freeIn(key, max, now) };
      }
      held.push(key);
    }
    // Housekeeping instead of a TTL index: buckets older than two windows count for nothing.
    if (Math.random() < 0.05) await this.attempts.prune(new Date(bucketStart.getTime() - 2 * this.limits.windowMs));
    return { ticket: { username, ip, bucketStart, held } };
  }

  /** The password was right: the pair starts over, the address becomes known, the rest is given back. */
  async succeeded(t: LoginTicket): Promise<void> {
    await Promise.all([
      this.attempts.clear(`pair:${t.username}|${t.ip}`),
      this.attempts.mark(`known:${t.username}|${t.ip}`, new Date(this.now().getTime() + this.limits.knownAddressMs)),
      ...t.held.filter((k) => !k.startsWith('pair:')).map((k) => this.attempts.release(k, t.bucketStart)),
    ]);
  }

  /** An admin unlock: forgets the account's ceiling and every (account, address) count. */
  async unlock(username: string): Promise<void> {
    await Promise.all([this.attempts.clear(`user:${username}`), this.attempts.clearPrefix(`pair:${username}|`)]);
  }
}
