// Pricing reads the catalog from memory: one read per sku at a time, answers kept for the ttl, changes seen after it.
import { CachedCatalog } from '../../../../server/src/domain/catalog-service';
import type { ProductCatalog } from '../../../../server/src/domain/ports/catalog';
import { PRODUCTS, storageWithCatalog } from './support';

/** The in-memory catalog, counting the reads that reach it (each made to wait a moment, as a database would). */
function countedCatalog() {
  const st = storageWithCatalog();
  const reads: string[][] = [];
  const catalog: ProductCatalog = {
    active: (c) => st.catalog.active(c),
    async findActive(skus) {
      reads.push([...skus]);
      await new Promise((r) => setTimeout(r, 5));
      return st.catalog.findActive(skus);
    },
  };
  return { st, reads, catalog };
}

test('orders arriving together while a sku is read share that one read', async () => {
  const { reads, catalog } = countedCatalog();
  const cache = new CachedCatalog(catalog, 60_000);
  const answers = await Promise.all(Array.from({ length: 50 }, () => cache.findActive(['tea', 'bun'])));
  expect(reads).toEqual([['tea', 'bun']]);
  for (const a of answers) expect(a.map((p) => p.sku)).toEqual(['tea', 'bun']);
  // A sku not read yet is read on its own; the ones in memory are not read again.
  await Promise.all([cache.findActive(['tea', 'old']), cache.findActive(['old'])]);
  expect(reads).toEqual([['tea', 'bun'], ['old']]);
});

test('an answer older than the ttl is read again, and a failed read is not kept', async () => {
  const { st, reads, catalog } = countedCatalog();
  let now = Date.now();
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
  try {
    const cache = new CachedCatalog(catalog, 1000);
    expect((await cache.findActive(['tea']))[0]!.price).toBe(2800);
    st.catalog.put({ ...PRODUCTS[0]!, price: 3000 });
    now += 999;
    expect((await cache.findActive(['tea']))[0]!.price).toBe(2800);
    now += 2;
    expect((await cache.findActive(['tea']))[0]!.price).toBe(3000);
    expect(reads.length).toBe(2);
  } finally {
    clock.mockRestore();
  }

  let down = true;
  const flaky = new CachedCatalog(
    { active: catalog.active, findActive: (skus) => (down ? Promise.reject(new Error('database down')) : catalog.findActive(skus)) },
    60_000,
  );
  await expect(Promise.all([flaky.findActive(['tea']), flaky.findActive(['tea'])])).rejects.toThrow('database down');
  down = false;
  expect(await flaky.findActive(['tea'])).toHaveLength(1);
});
