// The products the Mini Program shows, in the shop's currency, as the API returns them.
import type { Product as ProductView } from '../../../shared/api';
import type { Product, ProductCatalog } from './ports/catalog';

export class CatalogService {
  constructor(
    private readonly catalog: ProductCatalog,
    private readonly currency: string,
  ) {}

  async list(): Promise<ProductView[]> {
    return (await this.catalog.active(this.currency)).map((p) => {
      const out: ProductView = {
        sku: p.sku,
        name: { 'zh-HK': p.name['zh-HK'], en: p.name.en },
        price: p.price,
        currency: p.currency,
        active: p.active,
      };
      if (p.description) out.description = { 'zh-HK': p.description['zh-HK'], en: p.description.en };
      if (p.imageUrl) out.imageUrl = p.imageUrl;
      return out;
    });
  }
}

/**
 * The catalog as order pricing reads it, from memory: each sku's answer (active product, or none) is kept for
 * `ttlMs`, so a product changed in the database prices new orders within that time on every instance.
 * Bounded: at most `maxSkus` answers (all dropped when full; skus are checked by the route's pattern).
 */
export class CachedCatalog implements ProductCatalog {
  private readonly bySku = new Map<string, { product: Product | undefined; at: number }>();
  constructor(
    private readonly catalog: ProductCatalog,
    private readonly ttlMs: number,
    private readonly maxSkus = 2000,
  ) {}

  active(currency: string): Promise<Product[]> {
    return this.catalog.active(currency);
  }

  async findActive(skus: string[]): Promise<Product[]> {
    const now = Date.now();
    const fresh = (sku: string) => {
      const e = this.bySku.get(sku);
      return e && now - e.at < this.ttlMs ? e : undefined;
    };
    const missing = skus.filter((s) => !fresh(s));
    if (missing.length) {
      const found = new Map((await this.catalog.findActive(missing)).map((p) => [p.sku, p]));
      if (this.bySku.size + missing.length > this.maxSkus) this.bySku.clear();
      for (const sku of missing) this.bySku.set(sku, { product: found.get(sku), at: now });
    }
    const out: Product[] = [];
    for (const sku of skus) {
      const p = this.bySku.get(sku)?.product;
      if (p) out.push(p);
    }
    return out;
  }
}
