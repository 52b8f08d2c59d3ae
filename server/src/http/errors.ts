// Maps every error to the `{code, message}` answer once, at the edge. Domain errors keep their code;
// Koa's own client errors (bad JSON, too large) get ours; anything else is a 500 with no internals exposed.
import type { Context, Next } from 'koa';
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '../../../shared/errors';
import { DomainError } from '../domain/errors';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

function fromKoaError(err: { status?: number; statusCode?: number; type?: string; message?: string }): HttpError | undefined {
  const status = err.status ?? err.statusCode;
  if (!status || status < 400 || status >= 500) return undefined;
  if (status === 413) return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'request body is too large');
  if (status === 415) return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json');
  if (status === 400 && /json|parse|body/i.test(`${err.type ?? ''} ${err.message ?? ''}`)) {
    return new HttpError(400, 'INVALID_JSON', 'request body is not valid JSON');
  }
  if (status === 404) return new HttpError(404, 'NOT_FOUND', 'not found');
  if (status === 401) return new HttpError(401, 'UNAUTHENTICATED', err.message || 'authentication required');
  if (status === 403) return new HttpError(403, 'FORBIDDEN', err.message || 'forbidden');
  return new HttpError(status, 'VALIDATION_FAILED', 'bad request');
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof DomainError) return new HttpError(ERROR_STATUS[err.code], err.code, err.message, err.details);
  if (typeof err === 'object' && err !== null) {
    const mapped = fromKoaError(err as Record<string, never>);
    if (mapped) return mapped;
  }
  return new HttpError(500, 'INTERNAL', 'internal error');
}

/** Outermost middleware: turns thrown errors into `{code, message}` answers and logs the 5xx ones. */
export function errorHandler(onServerError: (err: unknown, ctx: Context) => void) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new HttpError(404, 'NOT_FOUND', 'not found');
    } catch (err) {
      const e = toHttpError(err);
      if (e.status >= 500) onServerError(err, ctx);
      const body: ErrorBody = { code: e.code, message: e.message, requestId: ctx.state.requestId as string | undefined };
      if (e.details) body.details = e.details;
      if (e.status === 429 || e.status === 502 || e.status === 503) body.retryable = true;
      if (e.status === 429 && !ctx.response.get('Retry-After')) {
        const after = Number(e.details?.retryAfterSeconds);
        ctx.set('Retry-After', String(Number.isFinite(after) && after > 0 ? Math.ceil(after) : 1));
      }
      ctx.status = e.status;
      ctx.body = body;
    }
  };
}
