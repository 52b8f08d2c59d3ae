// Staff accounts and login. A failed login is counted per username and per address before answering, and a
// locked key answers 429 without even checking the password, so guessing costs the same from any instance.
import { signToken } from '../auth/jwt';
import type { StaffLoginResponse, StaffRole } from '../../../shared/api';
import { USERNAME_PATTERN, type StaffUserRepository } from './ports/staff';
import { DomainError } from './errors';
import type { LoginLimiter } from './staff-login-limiter';
import { dummyHash, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './staff-password';

export interface StaffAccountsOptions {
  staffUsers: StaffUserRepository;
  limiter: LoginLimiter;
  jwtSecret: string;
  tokenTtlSeconds: number;
}

export class StaffAccounts {
  constructor(private readonly o: StaffAccountsOptions) {}

  /** Creates a staff user, or with `update` resets the password and role of an existing one. */
  async create(username: string, password: string, role: StaffRole, update = false): Promise<{ created: boolean }> {
    if (!USERNAME_PATTERN.test(username))
      throw new DomainError('VALIDATION_FAILED', 'username: 3..32 of a-z 0-9 . _ -, starting with a letter or digit');
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new DomainError('VALIDATION_FAILED', `password: at least ${MIN_PASSWORD_LENGTH} characters`);
    const passwordHash = await hashPassword(password);
    if (update && (await this.o.staffUsers.reset(username, passwordHash, role))) return { created: false };
    if ((await this.o.staffUsers.insert({ username, passwordHash, role })) === 'duplicate') {
      throw new DomainError('DUPLICATE', `staff user ${username} exists (use --update to reset it)`);
    }
    return { created: true };
  }

  /** The account behind a staff token, when it exists and is enabled (re-read on every request). */
  async active(username: string): Promise<{ username: string; role: StaffRole } | undefined> {
    const user = await this.o.staffUsers.find(username);
    return user && !user.disabled ? { username: user.username, role: user.role } : undefined;
  }

  async login(username: string, password: string, ip: string): Promise<StaffLoginResponse> {
    const wait = await this.o.limiter.retryAfter(username, ip);
    if (wait > 0) throw new DomainError('TOO_MANY_REQUESTS', `too many failed logins, try again in ${wait} s`, { retryAfterSeconds: wait });
    const user = await this.o.staffUsers.find(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok || user.disabled) {
      await this.o.limiter.recordFailure(username, ip);
      throw new DomainError('UNAUTHENTICATED', 'wrong username or password');
    }
    await this.o.limiter.recordSuccess(username);
    const token = signToken(this.o.jwtSecret, { sub: username, aud: 'staff', role: user.role }, this.o.tokenTtlSeconds);
    return { token, expiresIn: this.o.tokenTtlSeconds, role: user.role, username };
  }
}
