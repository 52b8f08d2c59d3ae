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
 * One read per sku at a time: orders arriving while a sku is being read wait for that read (when an answer
 * expired under load, every order in flight used to read the catalog at once).
 */
export class CachedCatalog implements ProductCatalog {
  private readonly bySku = new Map<string, { product: Product | undefined; at: number }>();
  private readonly loading = new Map<string, Promise<void>>();
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
      const reads = new Set<Promise<void>>();
      const toRead = missing.filter((s) => {
        const inFlight = this.loading.get(s);
        if (inFlight) reads.add(inFlight);
        return !inFlight;
      });
      if (toRead.length) {
        const read = this.catalog
          .findActive(toRead)
          .then((products) => {
            const found = new Map(products.map((p) => [p.sku, p]));
            if (this.bySku.size + toRead.length > this.maxSkus) this.bySku.clear();
            for (const sku of toRead) this.bySku.set(sku, { product: found.get(sku), at: now });
          })
          .finally(() => {
            for (const sku of toRead) if (this.loading.get(sku) === read) this.loading.delete(sku);
          });
        for (const sku of toRead) this.loading.set(sku, read);
        reads.add(read);
      }
      await Promise.all(reads);
    }
    const out: Product[] = [];
    for (const sku of skus) {
      const p = this.bySku.get(sku)?.product;
      if (p) out.push(p);
    }
    return out;
  }
}
