import Router from '@koa/router';
import type { Connection } from 'mongoose';
import { databaseState, pingDatabase } from '../../db/connection';

export interface HealthDeps {
  db: Connection;
  /** Extra readiness checks (for example: platform certificates fresh); each returns true when ready. */
  readinessChecks?: Record<string, () => Promise<boolean> | boolean>;
}

export function healthRoutes(deps: HealthDeps): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    const ok = await pingDatabase(deps.db);
    ctx.status = ok ? 200 : 503;
    ctx.body = { status: ok ? 'ok' : 'degraded', database: ok ? 'connected' : databaseState(deps.db) };
  });
  router.get('/readyz', async (ctx) => {
    const checks: Record<string, boolean> = { database: await pingDatabase(deps.db) };
    for (const [name, check] of Object.entries(deps.readinessChecks ?? {})) {
      try {
        checks[name] = await check();
      } catch {
        checks[name] = false;
      }
    }
    const ready = Object.values(checks).every(Boolean);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready', checks };
  });
  return router;
}
