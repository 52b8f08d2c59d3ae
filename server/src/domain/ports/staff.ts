// Staff accounts, their failed-login counters and the audit trail.
import type { StaffRole } from '../../../../shared/api';

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,31}$/;

export interface StaffUser {
  username: string;
  passwordHash: string;
  role: StaffRole;
  disabled: boolean;
}

export interface StaffUserRepository {
  find(username: string): Promise<StaffUser | undefined>;
  /** 'duplicate' when the username exists. */
  insert(user: Omit<StaffUser, 'disabled'>): Promise<'created' | 'duplicate'>;
  /** Resets password and role and enables the account; false when there is no such user. */
  reset(username: string, passwordHash: string, role: StaffRole): Promise<boolean>;
}

/**
 * Login attempts counted per key in fixed time buckets (shared by every instance). A password is checked only
 * after `reserve` counted it, so concurrent requests can never check more than a bucket's maximum.
 */
export interface LoginAttemptStore {
  /** Attempts of `key` per bucket start for buckets starting at or after `since`, with the latest attempt's time. */
  failures(key: string, since: Date): Promise<Array<{ bucketStart: Date; failures: number; lastAt?: Date }>>;
  /**
   * One atomic conditional update: adds one attempt to `key`'s bucket (created when missing) only while it holds
   * fewer than `max`. The new count, or undefined when the bucket is full.
   */
  reserve(key: string, bucketStart: Date, max: number, at: Date): Promise<number | undefined>;
  /** Gives one reserved attempt back (never below zero). */
  release(key: string, bucketStart: Date): Promise<void>;
  clear(key: string): Promise<void>;
  /** Drops every bucket of every key starting with `prefix` (an admin unlock). */
  clearPrefix(prefix: string): Promise<void>;
  /** Remembers `key` (e.g. an address an account logged in from) until `until`. */
  mark(key: string, until: Date): Promise<void>;
  /** Whether `key` is marked at `at`. */
  marked(key: string, at: Date): Promise<boolean>;
  /** Housekeeping: drops buckets that started (marks that expired) before `before`. */
  prune(before: Date): Promise<void>;
}

/** Refused staff logins of one username (or of every unknown username) on one UTC day: counted, not listed. */
export interface LoginRefusalCount {
  day: string;
  username: string;
  count: number;
  byCode: Record<string, number>;
  firstAt: Date;
  lastAt: Date;
  lastIp?: string;
}

export interface AuditRecordData {
  at: Date;
  actor: string;
  role: StaffRole | 'anonymous';
  action: string;
  /** What the action was about, e.g. `order:<id>`, `refund:<id>`, `staff:<username>`. */
  target: string;
  /** The order an action concerns (an order id for a refund action), for the order's trail. */
  orderId?: string;
  detail?: Record<string, unknown>;
  requestId?: string;
  ip?: string;
}

export interface AuditRepository {
  insert(record: AuditRecordData): Promise<void>;
  /** An order's trail, oldest first (at most `limit`). */
  forOrder(orderId: string, limit: number): Promise<AuditRecordData[]>;
  /** Adds one refused login to the (day, username) counter: one document per pair, however many attempts. */
  countLoginRefusal(day: string, username: string, code: string, at: Date, ip?: string): Promise<void>;
  loginRefusals(day: string, username: string): Promise<LoginRefusalCount | undefined>;
}
