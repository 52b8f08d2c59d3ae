// One error type for everything the client can fail with. `kind` says where it failed; `code` is WeChat Pay's
// business code for API errors, or one of the client's own codes below. Never carries keys or signatures.

export type WechatPayErrorKind =
  | 'api' // WeChat Pay answered non-2xx (or a 2xx that the call cannot use)
  | 'signature' // a 2xx answer failed verification: treat it as forged
  | 'timeout' // no complete answer in time; for a charge the outcome is unknown
  | 'network' // connection failed or dropped
  | 'invalid_input' // refused before any request was sent
  | 'invalid_response' // signed answer that could not be parsed or checked (bad JSON, SHA-1 mismatch...)
  | 'config'; // the client was configured wrongly

/** Client-side codes; API errors carry WeChat Pay's own (PARAM_ERROR, SIGN_ERROR, ORDER_NOT_EXIST...). */
export const CLIENT_ERROR_CODES = {
  timeout: 'TIMEOUT',
  network: 'NETWORK_ERROR',
  invalidInput: 'INVALID_INPUT',
  signature: 'RESPONSE_SIGNATURE_INVALID',
  invalidResponse: 'INVALID_RESPONSE',
  config: 'CONFIG_ERROR',
} as const;

export interface WechatPayErrorInit {
  kind: WechatPayErrorKind;
  code: string;
  message: string;
  status?: number;
  detail?: unknown;
  requestId?: string;
  headers?: Record<string, string>;
  body?: string;
  attempts?: number;
  cause?: unknown;
}

export class WechatPayError extends Error {
  override readonly name = 'WechatPayError';
  readonly kind: WechatPayErrorKind;
  readonly code: string;
  /** HTTP status when WeChat Pay answered. */
  readonly status: number | undefined;
  readonly detail: unknown;
  /** The `Request-ID` header: quote it to WeChat Pay support. */
  readonly requestId: string | undefined;
  readonly headers: Record<string, string> | undefined;
  /** Raw body of an error answer (kept even when it is not JSON). */
  readonly body: string | undefined;
  /** How many HTTP attempts were made (1 = no retry). */
  readonly attempts: number;

  constructor(init: WechatPayErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.code = init.code;
    this.status = init.status;
    this.detail = init.detail;
    this.requestId = init.requestId;
    this.headers = init.headers;
    this.body = init.body;
    this.attempts = init.attempts ?? 1;
  }

  /** True when the request may or may not have taken effect at WeChat Pay (query before acting again). */
  get outcomeUnknown(): boolean {
    return this.kind === 'timeout' || this.kind === 'network' || (this.kind === 'api' && (this.status ?? 0) >= 500);
  }

  override toString(): string {
    const parts = [`${this.name} [${this.kind}] ${this.code}: ${this.message}`];
    if (this.status !== undefined) parts.push(`status=${this.status}`);
    if (this.requestId) parts.push(`request-id=${this.requestId}`);
    return parts.join(' ');
  }
}

export function isWechatPayError(err: unknown, code?: string | readonly string[]): err is WechatPayError {
  if (!(err instanceof WechatPayError)) return false;
  if (code === undefined) return true;
  return typeof code === 'string' ? err.code === code : code.includes(err.code);
}

/** Aliases that different WeChat Pay pages use for the same condition. */
export const ERROR_CODE_ALIASES = {
  orderNotExist: ['ORDER_NOT_EXIST', 'ORDERNOTEXIST'],
  rateLimited: ['RATELIMIT_EXCEEDED', 'RATE_LIMITED', 'FREQUENCY_LIMITED'],
  userPaying: ['USERPAYING', 'USER_PAYING'],
  systemError: ['SYSTEM_ERROR', 'SYSTEMERROR'],
} as const;

export function invalidInput(message: string, detail?: unknown): WechatPayError {
  return new WechatPayError({ kind: 'invalid_input', code: CLIENT_ERROR_CODES.invalidInput, message, detail });
}
