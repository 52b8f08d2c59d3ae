// One error type for everything a request can end in, with a message the customer can read.
import type { ErrorBody, ErrorCode } from '../../shared/errors';
import { ERROR_STATUS } from '../generated/errors';
import { messages, type ClientErrorCode } from './i18n';

export type AppErrorCode = ErrorCode | ClientErrorCode;

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    /** HTTP status, 0 when no answer arrived. */
    readonly status: number,
    /** True when repeating the same request later may succeed. */
    readonly retryable: boolean,
    /** The backend's request id, worth quoting to support. */
    readonly requestId?: string,
  ) {
    super(messages().errors[code]);
    this.name = 'AppError';
  }
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, value);
}

/** Fallback code for a status the backend answered without a known code. */
function codeForStatus(status: number): AppErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429) return 'TOO_MANY_REQUESTS';
  if (status === 502) return 'PAYMENT_PROVIDER_ERROR';
  if (status === 503) return 'SERVICE_UNAVAILABLE';
  if (status >= 500) return 'INTERNAL';
  if (status >= 400) return 'VALIDATION_FAILED';
  return 'BAD_RESPONSE';
}

/** Maps a non-2xx answer to an AppError. */
export function fromResponse(status: number, body: unknown): AppError {
  const b = (body && typeof body === 'object' ? body : {}) as Partial<ErrorBody>;
  const code = isErrorCode(b.code) ? b.code : codeForStatus(status);
  const retryable = typeof b.retryable === 'boolean' ? b.retryable : status === 429 || status >= 500;
  return new AppError(code, status, retryable, typeof b.requestId === 'string' ? b.requestId : undefined);
}

/** Any thrown value as an AppError (unexpected ones become UNKNOWN). */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError('UNKNOWN', 0, true);
}

/** The text to show for any thrown value. */
export function errorText(err: unknown): string {
  return toAppError(err).message;
}
