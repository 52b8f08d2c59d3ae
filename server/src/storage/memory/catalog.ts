// The catalog and customers in memory.
import type { CustomerRepository, Product, ProductCatalog } from '../../domain/ports/catalog';
import { copy } from './ids';

export function memoryCatalog(products: Product[] = []): ProductCatalog & { put(p: Product): void } {
  const bySku = new Map(products.map((p) => [p.sku, copy(p)]));
  return {
    put: (p) => void bySku.set(p.sku, copy(p)),
    active: async (currency) =>
      [...bySku.values()]
        .filter((p) => p.active && p.currency === currency)
        .sort((a, b) => a.sort - b.sort || a.sku.localeCompare(b.sku))
        .map(copy),
    findActive: async (skus) => [...bySku.values()].filter((p) => p.active && skus.includes(p.sku)).map(copy),
  };
}

export function memoryCustomers(): CustomerRepository & { logins(openid: string): number } {
  const seen = new Map<string, { firstLoginAt: Date; lastLoginAt: Date; unionid?: string; logins: number }>();
  return {
    logins: (openid) => seen.get(openid)?.logins ?? 0,
    async recordLogin(openid, unionid, now) {
      const c = seen.get(openid) ?? { firstLoginAt: now, lastLoginAt: now, logins: 0 };
      c.lastLoginAt = now;
      c.logins += 1;
      if (unionid) c.unionid = unionid;
      seen.set(openid, c);
    },
  };
}
