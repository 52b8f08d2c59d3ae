import Router from '@koa/router';
import type { ProductList } from '../../../../shared/api';
import type { CatalogService } from '../../domain/catalog-service';

export function productRoutes(catalog: CatalogService): Router {
  const r = new Router();
  r.get('/api/products', async (ctx) => {
    ctx.body = { items: await catalog.list() } satisfies ProductList;
  });
  return r;
}
