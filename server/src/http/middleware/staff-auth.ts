// Staff routes: `Authorization: Bearer <jwt>` with audience 'staff' and a role claim. The account is re-read on
// every request, so disabling a user or changing a role takes effect at once, not when the token expires.
import type { Context, Next } from 'koa';
import { verifyToken } from '../../auth/jwt';
import { DomainError } from '../../domain/errors';
import type { StaffRole } from '../../../../shared/api';
import { rolesWith, type Capability } from '../../../../shared/roles';

export interface StaffState {
  username: string;
  role: StaffRole;
}

/** Looks up the account behind a token: undefined when it does not exist or is disabled. */
export type ActiveStaff = (username: string) => Promise<StaffState | undefined>;

export function staffAuth(secret: string, activeStaff: ActiveStaff) {
  return async (ctx: Context, next: Next) => {
    const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(ctx.get('Authorization'));
    if (!m) throw new DomainError('UNAUTHENTICATED', 'a staff token is required');
    const claims = verifyToken(secret, m[1]!, 'staff');
    const user = await activeStaff(claims.sub);
    if (!user) throw new DomainError('UNAUTHENTICATED', 'this staff account is not active');
    ctx.state.staff = { username: user.username, role: user.role } satisfies StaffState;
    await next();
  };
}

/** Lets only the given roles through (403 otherwise). Use after staffAuth. */
export function requireRole(...roles: StaffRole[]) {
  return async (ctx: Context, next: Next) => {
    const staff = ctx.state.staff as StaffState | undefined;
    if (!staff) throw new DomainError('UNAUTHENTICATED', 'a staff token is required');
    if (!roles.includes(staff.role)) throw new DomainError('FORBIDDEN', `this action needs the role ${roles.join(' or ')}`);
    await next();
  };
}

/** Lets only the roles with `capability` (shared/roles.ts) through. Use after staffAuth. */
export function requireCapability(capability: Capability) {
  return requireRole(...rolesWith(capability));
}

/** The staff caller; a route reached without the guard (a wiring mistake) answers 401, never a 500. */
export function staffOf(ctx: Context): StaffState {
  const s = ctx.state.staff as StaffState | undefined;
  if (!s?.username) throw new DomainError('UNAUTHENTICATED', 'a staff token is required');
  return s;
}
