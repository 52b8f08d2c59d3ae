import Router from '@koa/router';
import type { Product, ProductList } from '../../../../shared/api';
import type { ProductModel } from '../../models/product';

export function productRoutes(deps: { Product: ProductModel; currency: string }): Router {
  const r = new Router();
  r.get('/api/products', async (ctx) => {
    const docs = await deps.Product.find({ active: true, currency: deps.currency }).sort({ sort: 1, sku: 1 }).lean();
    const items: Product[] = docs.map((p) => {
      const out: Product = { sku: p.sku, name: { 'zh-HK': p.name['zh-HK'], en: p.name.en }, price: p.price, currency: p.currency, active: p.active };
      if (p.description) out.description = { 'zh-HK': p.description['zh-HK'], en: p.description.en };
      if (p.imageUrl) out.imageUrl = p.imageUrl;
      return out;
    });
    ctx.body = { items } satisfies ProductList;
  });
  return r;
}
