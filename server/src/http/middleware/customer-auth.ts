// Customer routes: `Authorization: Bearer <jwt>` with audience 'customer'. The openid is the token's subject.
import type { Context, Next } from 'koa';
import { verifyToken } from '../../auth/jwt';
import { DomainError } from '../../domain/errors';

export interface CustomerState {
  openid: string;
}

export function customerAuth(secret: string) {
  return async (ctx: Context, next: Next) => {
    const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(ctx.get('Authorization'));
    if (!m) throw new DomainError('UNAUTHENTICATED', 'a customer token is required');
    const claims = verifyToken(secret, m[1]!, 'customer');
    ctx.state.customer = { openid: claims.sub } satisfies CustomerState;
    await next();
  };
}

/** The caller; a route reached without the guard (a wiring mistake) answers 401, never a 500 or another's data. */
export function customerOf(ctx: Context): CustomerState {
  const c = ctx.state.customer as CustomerState | undefined;
  if (!c?.openid) throw new DomainError('UNAUTHENTICATED', 'a customer token is required');
  return c;
}
