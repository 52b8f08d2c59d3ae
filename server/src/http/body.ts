// Request bodies. Every body is read whole, size-limited and under its own short deadline BEFORE the request
// takes an admission slot (middleware/admission.ts): a client that sends headers and then dribbles (or never
// finishes) its body holds a socket, never a slot that genuine orders, logins, refunds or notifications need.
// An unfinished body is answered 408 and its connection closed. The API then parses JSON from the buffered
// bytes; WeChat Pay's notifications get the raw bytes (for the signature check).
import type { Context, Next } from 'koa';
// The `ctx.request.body` property's type (the parsing itself is done here, from the buffered bytes).
import type {} from 'koa-body';
import { HttpError } from './errors';

const BODY_METHODS = ['POST', 'PUT', 'PATCH'];

export interface BodyLimits {
  /** Largest body of the JSON API. */
  limitBytes: number;
  /** Largest body on paths `raw` selects (no content-type checks there). */
  rawLimitBytes: number;
  /** Paths whose body is kept as raw bytes (WeChat Pay's notifications). */
  raw: (ctx: Context) => boolean;
  /** Longest time to receive a whole body, from the end of the headers. */
  timeoutMs: number;
}

function hasBody(ctx: Context): boolean {
  return Number(ctx.get('Content-Length') || 0) > 0 || ctx.get('Transfer-Encoding') !== '';
}

/** Reads the request's body into `ctx.state.rawBody` (Buffer), with a size limit and a deadline. */
export function bufferBody(limits: BodyLimits) {
  return async (ctx: Context, next: Next) => {
    if (!BODY_METHODS.includes(ctx.method)) return next();
    const raw = limits.raw(ctx);
    const limit = raw ? limits.rawLimitBytes : limits.limitBytes;
    if (!raw && hasBody(ctx)) {
      if (!ctx.is('application/json')) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json');
      // Compressed request bodies are not part of this API; refusing them up front keeps inflate errors
      // (and decompression bombs) away from the parser.
      const encoding = ctx.get('Content-Encoding').trim().toLowerCase();
      if (encoding && encoding !== 'identity')
        throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send an uncompressed body (no Content-Encoding)');
    }
    try {
      ctx.state.rawBody = await readLimited(ctx, limit, limits.timeoutMs);
    } catch (err) {
      if (err instanceof HttpError && err.status === 408) {
        // The rest of this body will never be read: answer, then close the connection.
        ctx.set('Connection', 'close');
        ctx.res.once('finish', () => ctx.req.socket.destroy());
      }
      if (raw && err instanceof HttpError && err.status === 413) {
        ctx.status = 400; // WeChat Pay's answer shape
        ctx.body = { code: 'FAIL', message: 'body too large' };
        return;
      }
      throw err;
    }
    return next();
  };
}

function readLimited(ctx: Context, limitBytes: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limitBytes) return Promise.reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', 'request body is too large'));
  const req = ctx.req;
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
      if (err) {
        req.pause();
        reject(err);
      } else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) return done(new HttpError(413, 'PAYLOAD_TOO_LARGE', 'request body is too large'));
      chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(new HttpError(400, 'VALIDATION_FAILED', `request body could not be read: ${err.message}`));
    const onAborted = () => done(new HttpError(400, 'VALIDATION_FAILED', 'request body was aborted'));
    const timer = setTimeout(() => done(new HttpError(408, 'VALIDATION_FAILED', 'the request body did not arrive in time')), timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
  });
}

/** Parses `ctx.state.rawBody` as JSON (an object or array) into `ctx.request.body` for application/json. */
export function jsonBody() {
  return async (ctx: Context, next: Next) => {
    const raw = ctx.state.rawBody as Buffer | undefined;
    if (BODY_METHODS.includes(ctx.method) && raw && ctx.is('application/json')) {
      const text = raw.toString('utf8');
      if (!text.trim()) ctx.request.body = {};
      else {
        if (!/^[ \t\n\r]*[[{]/.test(text)) throw new HttpError(400, 'INVALID_JSON', 'request body is not valid JSON');
        try {
          ctx.request.body = JSON.parse(text, (key, value: unknown) => {
            if (key === '__proto__') throw new SyntaxError('forbidden key');
            return value;
          });
        } catch {
          throw new HttpError(400, 'INVALID_JSON', 'request body is not valid JSON');
        }
      }
    }
    return next();
  };
}

/** The raw body (Buffer) read by bufferBody, or read now up to `limitBytes` (413 beyond). */
export async function readRawBody(ctx: Context, limitBytes: number): Promise<Buffer> {
  const buffered = ctx.state.rawBody as Buffer | undefined;
  if (buffered) {
    if (buffered.length > limitBytes) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'request body is too large');
    return buffered;
  }
  return readLimited(ctx, limitBytes, 30_000);
}
