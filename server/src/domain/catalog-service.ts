// The products the Mini Program shows, in the shop's currency, as the API returns them.
import type { Product as ProductView } from '../../../shared/api';
import type { ProductCatalog } from './ports/catalog';

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
