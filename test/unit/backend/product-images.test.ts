// The sample product pictures: served from memory with cache headers, revalidated by ETag, nothing else.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import Koa from 'koa';
import { CATALOG } from '../../../scripts/seed-catalog';
import { errorHandler } from '../../../server/src/http/errors';
import { PRODUCT_IMAGE_DIR, productImageRoutes } from '../../../server/src/http/routes/product-images';

let server: Server;
let base: string;

beforeAll(async () => {
  const app = new Koa();
  app.silent = true;
  app.use(errorHandler(() => undefined));
  const r = productImageRoutes();
  app.use(r.routes());
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('every seeded product has a picture under 30 KB that the backend serves as image/png with cache headers', async () => {
  for (const p of CATALOG) {
    expect(p.imageUrl).toMatch(/^\/images\/products\/[a-z0-9-]+\.png$/);
    const res = await fetch(base + p.imageUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.subarray(1, 4).toString()).toBe('PNG');
    expect(body.length).toBeLessThan(30 * 1024);
    const again = await fetch(base + p.imageUrl!, { headers: { 'If-None-Match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  }
  expect(readdirSync(PRODUCT_IMAGE_DIR).sort()).toEqual(CATALOG.map((p) => `${p.sku}.png`).sort());
});

test('unknown files and path tricks are 404', async () => {
  for (const path of [
    '/images/products/nope.png',
    '/images/products/..%2F..%2Fpackage.json',
    '/images/products/milk-tea.svg',
    '/images/products/.png',
  ]) {
    const res = await fetch(base + path);
    expect(res.status).toBe(404);
  }
});
