// Request bodies: JSON only, size-limited, parsed by koa-body for the API; raw bytes (for signature checks)
// for WeChat Pay's notifications.
import type { Context, Next } from 'koa';
import { koaBody } from 'koa-body';
import { HttpError } from './errors';

/** JSON bodies up to `limitKb` for POST/PUT/PATCH; anything else than application/json is refused. */
export function jsonBody(limitKb: number) {
  const parse = koaBody({ json: true, jsonLimit: `${limitKb}kb`, jsonStrict: true, text: false, urlencoded: false, multipart: false });
  return async (ctx: Context, next: Next) => {
    if (['POST', 'PUT', 'PATCH'].includes(ctx.method)) {
      const length = Number(ctx.get('Content-Length') || 0);
      const chunked = /chunked/i.test(ctx.get('Transfer-Encoding'));
      if ((length > 0 || chunked) && !ctx.is('application/json'))
        throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json');
      if (length > limitKb * 1024) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'request body is too large');
      // Compressed request bodies are not part of this API; refusing them up front keeps inflate errors
      // (and decompression bombs) away from the parser.
      const encoding = ctx.get('Content-Encoding').trim().toLowerCase();
      if (encoding && encoding !== 'identity')
        throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send an uncompressed body (no Content-Encoding)');
    }
    return parse(ctx, next);
  };
}

/** Reads the raw body (Buffer) up to `limitBytes`; larger bodies answer 413 without reading them whole. */
export async function readRawBody(ctx: Context, limitBytes: number): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limitBytes) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'request body is too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limitBytes) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'request body is too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
