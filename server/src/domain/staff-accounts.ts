// Staff accounts and login. A failed login is counted per username and per address before answering, and a
// locked key answers 429 without even checking the password, so guessing costs the same from any instance.
import { signToken } from '../auth/jwt';
import { isDuplicateKeyError } from '../db/errors';
import type { StaffLoginResponse, StaffRole } from '../../../shared/api';
import type { StaffUserModel } from '../models/staff-user';
import { USERNAME_PATTERN } from '../models/staff-user';
import { DomainError } from './errors';
import type { LoginLimiter } from './staff-login-limiter';
import { dummyHash, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './staff-password';

export interface StaffAccountsOptions {
  StaffUser: StaffUserModel;
  limiter: LoginLimiter;
  jwtSecret: string;
  tokenTtlSeconds: number;
}

export class StaffAccounts {
  constructor(private readonly o: StaffAccountsOptions) {}

  /** Creates a staff user, or with `update` resets the password and role of an existing one. */
  async create(username: string, password: string, role: StaffRole, update = false): Promise<{ created: boolean }> {
    if (!USERNAME_PATTERN.test(username)) throw new DomainError('VALIDATION_FAILED', 'username: 3..32 of a-z 0-9 . _ -, starting with a letter or digit');
    if (password.length < MIN_PASSWORD_LENGTH) throw new DomainError('VALIDATION_FAILED', `password: at least ${MIN_PASSWORD_LENGTH} characters`);
    const passwordHash = await hashPassword(password);
    if (update) {
      const r = await this.o.StaffUser.updateOne({ username }, { $set: { passwordHash, role, disabled: false } });
      if (r.matchedCount === 1) return { created: false };
    }
    try {
      await this.o.StaffUser.create({ username, passwordHash, role });
      return { created: true };
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new DomainError('DUPLICATE', `staff user ${username} exists (use --update to reset it)`);
      throw err;
    }
  }

  async login(username: string, password: string, ip: string): Promise<StaffLoginResponse> {
    const wait = await this.o.limiter.retryAfter(username, ip);
    if (wait > 0) throw new DomainError('TOO_MANY_REQUESTS', `too many failed logins, try again in ${wait} s`, { retryAfterSeconds: wait });
    const user = await this.o.StaffUser.findOne({ username }).lean();
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
