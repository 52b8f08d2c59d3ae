import Router from '@koa/router';
import type { ClientConfig } from '../../../../shared/api';

export function configRoutes(config: ClientConfig): Router {
  const r = new Router();
  const body = Object.freeze({ ...config });
  r.get('/api/config', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=60');
    ctx.body = body;
  });
  return r;
}
