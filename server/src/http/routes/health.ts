import Router from '@koa/router';

/** The database as health checks see it (a real round trip, and the driver's connection state). */
export interface DatabaseHealth {
  ping(): Promise<boolean>;
  state(): string;
}

export interface HealthDeps {
  database: DatabaseHealth;
  /** Extra readiness checks (for example: platform certificates fresh); each returns true when ready. */
  readinessChecks?: Record<string, () => Promise<boolean> | boolean>;
}

export function healthRoutes(deps: HealthDeps): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    const ok = await deps.database.ping();
    ctx.status = ok ? 200 : 503;
    ctx.body = { status: ok ? 'ok' : 'degraded', database: ok ? 'connected' : deps.database.state() };
  });
  router.get('/readyz', async (ctx) => {
    const checks: Record<string, boolean> = { database: await deps.database.ping() };
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
