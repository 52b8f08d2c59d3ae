// Serves the sample product pictures (server/static/product-images/*.png, drawn by scripts/generate-images.ts)
// at /images/products/<file>. The seeded catalog points its imageUrl here (a path on this backend; the
// Mini Program puts its API base URL in front). Files are read once and kept in memory; the answer may be
// cached for a day and is revalidated with its ETag.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';
import { HttpError } from '../errors';

export const PRODUCT_IMAGE_PATH = '/images/products/';
export const PRODUCT_IMAGE_DIR = join(__dirname, '..', '..', '..', 'static', 'product-images');

const FILE_NAME = /^[a-z0-9][a-z0-9-]{0,62}\.(png|jpg)$/;
const CONTENT_TYPE: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg' };

interface Image {
  body: Buffer;
  etag: string;
  type: string;
}

export function productImageRoutes(dir: string = PRODUCT_IMAGE_DIR): Router {
  const cache = new Map<string, Image | null>();
  const load = (file: string): Image | null => {
    if (!cache.has(file)) {
      let image: Image | null;
      try {
        const body = readFileSync(join(dir, file));
        image = {
          body,
          etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
          type: CONTENT_TYPE[file.slice(file.lastIndexOf('.') + 1)]!,
        };
      } catch {
        image = null;
      }
      cache.set(file, image);
    }
    return cache.get(file) ?? null;
  };
  const router = new Router();
  router.get(`${PRODUCT_IMAGE_PATH}:file`, (ctx) => {
    const file = (ctx.params as { file: string }).file;
    const image = FILE_NAME.test(file) ? load(file) : null;
    if (!image) throw new HttpError(404, 'NOT_FOUND', 'not found');
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.set('ETag', image.etag);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = image.type;
    if (ctx.get('If-None-Match') === image.etag) {
      ctx.status = 304;
      return;
    }
    ctx.body = image.body;
  });
  return router;
}
