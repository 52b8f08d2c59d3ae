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

/** Failed logins counted per key in fixed time buckets (shared by every instance). */
export interface LoginAttemptStore {
  /** Failures of `key` per bucket start (ms) for buckets starting at or after `since`. */
  failures(key: string, since: Date): Promise<Array<{ bucketStart: Date; failures: number }>>;
  /** Adds one failure to `key`'s bucket (created when missing). */
  increment(key: string, bucketStart: Date): Promise<void>;
  clear(key: string): Promise<void>;
  /** Housekeeping: drops buckets that started before `before`. */
  prune(before: Date): Promise<void>;
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
}
