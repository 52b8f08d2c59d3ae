// Serves the staff console at /admin/: an in-memory build (see server/console/build.ts) with a strict
// Content-Security-Policy (own scripts and styles only, no inline code, no framing, Trusted Types on), long
// caching for content-hashed files and revalidation for index.html.
import Router from '@koa/router';
import type { Context } from 'koa';
import { buildConsole, type ConsoleAssets } from '../../../console/build';
import { HttpError } from '../errors';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

export interface ConsoleDeps {
  /** Overrides the build (tests); default: build once per process, on first use. */
  build?: () => Promise<ConsoleAssets>;
  onBuildError?: (err: unknown) => void;
}

let shared: Promise<ConsoleAssets> | undefined;
function sharedBuild(): Promise<ConsoleAssets> {
  shared ??= buildConsole().catch((err: unknown) => {
    shared = undefined; // a failed build is retried on the next request
    throw err;
  });
  return shared;
}

function securityHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', CONSOLE_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
  ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
}

export function consoleRoutes(deps: ConsoleDeps = {}): Router {
  // Built on the first request (about 0.2 s), then served from memory: apps created in tests pay nothing.
  const load = deps.build ?? sharedBuild;
  const router = new Router();

  router.get('/admin', (ctx, next) => {
    if (ctx.path !== '/admin') return next(); // the router matches '/admin/' here too
    ctx.status = 308;
    ctx.redirect('/admin/');
  });

  router.get(['/admin/', '/admin/:file'], async (ctx) => {
    let assets: ConsoleAssets;
    try {
      assets = await load();
    } catch (err) {
      deps.onBuildError?.(err);
      throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'the staff console is unavailable');
    }
    const file = (ctx.params as { file?: string }).file ?? '';
    const asset = assets.get(file);
    if (!asset) throw new HttpError(404, 'NOT_FOUND', 'not found');
    securityHeaders(ctx);
    ctx.set('Cache-Control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.set('ETag', asset.etag);
    ctx.type = asset.contentType;
    if (ctx.get('If-None-Match') === asset.etag) {
      ctx.status = 304;
      return;
    }
    ctx.body = asset.body;
  });
  return router;
}
