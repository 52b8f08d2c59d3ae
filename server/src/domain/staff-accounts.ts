// Staff accounts and login. Each password check is reserved with the limiter (one conditional update per key)
// before the password is verified, so concurrent guesses on any number of instances never exceed the limits;
// a refused reservation answers 429 without checking the password. Refused logins are counted per
// (day, username) rather than audited one record each (unknown usernames share one counter).
import { signToken } from '../auth/jwt';
import type { StaffLoginResponse, StaffRole } from '../../../shared/api';
import { USERNAME_PATTERN, type StaffUserRepository } from './ports/staff';
import { DomainError } from './errors';
import type { AuditLog } from './staff-audit';
import type { LoginLimiter } from './staff-login-limiter';
import { dummyHash, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './staff-password';

export interface StaffAccountsOptions {
  staffUsers: StaffUserRepository;
  limiter: LoginLimiter;
  /** Counts refused logins (see AuditLog.loginRefused). */
  audit: Pick<AuditLog, 'loginRefused'>;
  jwtSecret: string;
  tokenTtlSeconds: number;
}

export class StaffAccounts {
  constructor(private readonly deps: StaffAccountsOptions) {}

  /** Creates a staff user, or with `update` resets the password and role of an existing one. */
  async create(username: string, password: string, role: StaffRole, update = false): Promise<{ created: boolean }> {
    if (!USERNAME_PATTERN.test(username))
      throw new DomainError('VALIDATION_FAILED', 'username: 3..32 of a-z 0-9 . _ -, starting with a letter or digit');
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new DomainError('VALIDATION_FAILED', `password: at least ${MIN_PASSWORD_LENGTH} characters`);
    const passwordHash = await hashPassword(password);
    if (update && (await this.deps.staffUsers.reset(username, passwordHash, role))) return { created: false };
    if ((await this.deps.staffUsers.insert({ username, passwordHash, role })) === 'duplicate') {
      throw new DomainError('DUPLICATE', `staff user ${username} exists (use --update to reset it)`);
    }
    return { created: true };
  }

  /** The account behind a staff token, when it exists and is enabled (re-read on every request). */
  async active(username: string): Promise<{ username: string; role: StaffRole } | undefined> {
    const user = await this.deps.staffUsers.find(username);
    return user && !user.disabled ? { username: user.username, role: user.role } : undefined;
  }

  async login(username: string, password: string, ip: string): Promise<StaffLoginResponse> {
    const r = await this.deps.limiter.reserve(username, ip);
    if ('retryAfterSeconds' in r) {
      const wait = r.retryAfterSeconds;
      await this.refused(username, 'TOO_MANY_REQUESTS', ip);
      throw new DomainError('TOO_MANY_REQUESTS', `too many failed logins, try again in ${wait} s`, { retryAfterSeconds: wait });
    }
    const user = await this.deps.staffUsers.find(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok || user.disabled) {
      // The reservation stays counted: it was a failed check.
      await this.refused(user ? username : undefined, 'UNAUTHENTICATED', ip);
      throw new DomainError('UNAUTHENTICATED', 'wrong username or password');
    }
    await this.deps.limiter.succeeded(r.ticket);
    const token = signToken(this.deps.jwtSecret, { sub: username, aud: 'staff', role: user.role }, this.deps.tokenTtlSeconds);
    return { token, expiresIn: this.deps.tokenTtlSeconds, role: user.role, username };
  }

  /** Admin unlock: clears the account's failed-login counts. False when there is no such account. */
  async unlock(username: string): Promise<boolean> {
    if (!(await this.deps.staffUsers.find(username))) return false;
    await this.deps.limiter.unlock(username);
    return true;
  }

  private async refused(username: string | undefined, code: string, ip: string): Promise<void> {
    // A username that is not an account is counted under one shared name, so made-up names add nothing.
    const known = username !== undefined && (await this.deps.staffUsers.find(username)) !== undefined;
    await this.deps.audit.loginRefused(known ? username : UNKNOWN_USERNAME, code, ip);
  }
}

/** The counter name refused logins with a username that is no account share. */
export const UNKNOWN_USERNAME = '(unknown)';
