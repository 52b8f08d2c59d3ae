// Headers every answer carries, errors included (this runs outside the error handler):
// - `X-Content-Type-Options: nosniff` on everything;
// - a Content-Security-Policy: the console's under /admin (its 404 pages too), a deny-all one elsewhere (JSON);
// - `Cache-Control: no-store` on tokens and personal data (customer login, orders, the staff API);
// - `Strict-Transport-Security` when configured (deployments behind TLS; off by default).
import type { Context, Next } from 'koa';
import { CONSOLE_CSP } from './routes/console';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
const NO_STORE = ['/api/auth', '/api/orders', '/api/admin'];

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

export function securityHeaders(opts: { hstsMaxAgeSeconds: number }) {
  return async (ctx: Context, next: Next) => {
    const path = ctx.path.toLowerCase();
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', under(path, '/admin') ? CONSOLE_CSP : API_CSP);
    if (NO_STORE.some((p) => under(path, p))) {
      ctx.set('Cache-Control', 'no-store');
      ctx.set('Pragma', 'no-cache');
    }
    if (opts.hstsMaxAgeSeconds > 0) ctx.set('Strict-Transport-Security', `max-age=${opts.hstsMaxAgeSeconds}`);
    await next();
  };
}
