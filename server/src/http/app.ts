// createApp(deps) builds the Koa app without listening, so tests drive `app.callback()` directly.
import Koa from 'koa';
import type { Connection } from 'mongoose';
import type { Logger } from '../logger';
import { errorHandler } from './errors';
import { requestContext } from './request-id';
import { healthRoutes, type HealthDeps } from './routes/health';

export interface AppDeps {
  db: Connection;
  logger: Logger;
  readinessChecks?: HealthDeps['readinessChecks'];
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true; // errors are logged by errorHandler, with the request id
  app.use(requestContext(deps.logger));
  app.use(errorHandler((err, ctx) => (ctx.state.log as Logger).error({ err }, 'unhandled error')));
  const health = healthRoutes(deps);
  app.use(health.routes()).use(health.allowedMethods());
  return app;
}
