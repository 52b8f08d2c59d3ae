// HTTP side of the metrics: a middleware that records every answer by the router's matched route pattern (never
// the raw path, so a scan of random paths adds no series), and the `GET /metrics` endpoint behind a bearer token.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Metrics } from '.';

/** The route pattern koa-router matched (it sets `_matchedRoute`), or `unmatched`. */
function routeOf(ctx: Context): string {
  const r = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  return r === undefined ? 'unmatched' : String(r);
}

/** Records each request once the answer is known; placed outside the error handler so errors count too. */
export function httpMetrics(metrics: Metrics): Middleware {
  return async (ctx: Context, next: Next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      metrics.httpRequest(ctx.method, routeOf(ctx), ctx.status, Number(process.hrtime.bigint() - start) / 1e9);
    }
  };
}

/** True when `header` is `Bearer <token>` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1] as string);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `GET /metrics` on the main app: only mounted when a token is configured; 401 without it. */
export function metricsRoutes(metrics: Metrics, token: string): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (!bearerMatches(ctx.get('authorization'), token)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer');
      ctx.body = { code: 'UNAUTHORIZED', message: 'metrics need the bearer token' };
      return;
    }
    ctx.set('Content-Type', metrics.registry.contentType);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}

/**
 * A plain node:http handler for the separate metrics listener (METRICS_ADDR): `GET /metrics`, with the bearer
 * token when one is configured too; everything else 404.
 */
export function metricsListener(metrics: Metrics, token?: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    if (token && !bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' }).end('unauthorized\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' }).end(text),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics failed\n'),
    );
  };
}
