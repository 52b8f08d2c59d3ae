// Signs each attempt, sends it with a timeout, retries only what is safe, decodes gzip, verifies every 2xx
// and turns non-2xx answers into WechatPayError.
import { gunzipSync } from 'node:zlib';
import type { MerchantSigner } from '../auth/signer';
import type { PublicKeyResolver } from '../auth/key-resolver';
import { readSignedHeaders, validateSignedMessage } from '../auth/validator';
import { CLIENT_ERROR_CODES, WechatPayError } from '../errors';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelayMs, shouldRetry, type AttemptOutcome, type RetryPolicy } from './retry';
import type { Transport, TransportResponse } from './transport';

export type QueryValue = string | number | undefined;

export interface CallOptions {
  method: 'GET' | 'POST';
  /** Path under the base URL, e.g. `/v3/global/transactions/jsapi`; ids already encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Serialised once; the same bytes are signed and sent on every attempt. */
  body?: unknown;
  /** True only when repeating the call cannot double its effect. */
  idempotent: boolean;
  /** 'signature' (default): verify raw body; 'statement': the caller verifies; 'none': certificate bootstrap only. */
  verify?: 'signature' | 'statement' | 'none';
  headers?: Record<string, string>;
  /** `Wechatpay-Serial` request header (platform serial used to encrypt sensitive fields). */
  wechatpaySerial?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  /** Body bytes after gzip decoding. */
  body: Buffer;
  text: string;
  requestId: string | undefined;
  attempts: number;
}

export interface CoreOptions {
  baseUrl: string;
  signer: MerchantSigner;
  resolver: PublicKeyResolver;
  transport: Transport;
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  userAgent?: string;
  acceptLanguage?: string;
  /** Sent as `Wechatpay-Serial` when no call-specific serial is given (e.g. a `PUB_KEY_ID_...`). */
  defaultWechatpaySerial?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === '') continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export class ApiCore {
  readonly baseUrl: string;
  private readonly basePath: string;
  private readonly origin: string;
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: CoreOptions) {
    const url = new URL(opts.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.baseUrl = this.origin + this.basePath;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get resolver(): PublicKeyResolver {
    return this.opts.resolver;
  }

  /** The request target exactly as sent and signed: base path + path + query. */
  target(path: string, query?: Record<string, QueryValue>): string {
    return `${this.basePath}${path}${buildQuery(query)}`;
  }

  async call(call: CallOptions): Promise<ApiResponse> {
    const target = this.target(call.path, call.query);
    const body = call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    for (let attempt = 1; ; attempt++) {
      let outcome: AttemptOutcome;
      let failure: WechatPayError;
      try {
        const res = await this.attempt(call, target, body);
        if (res.status >= 200 && res.status < 300 && res.status !== 202) return await this.accept(call, res, attempt);
        if (res.status === 202 && !call.idempotent) return await this.accept(call, res, attempt);
        outcome = {
          type: 'response',
          status: res.status,
          retryAfterMs: parseRetryAfter(res.headers['retry-after'], this.now()),
        };
        failure = res.status === 202 ? await this.acceptedError(call, res, attempt) : apiError(res, attempt);
      } catch (err) {
        if (err instanceof WechatPayError) throw err;
        if (call.signal?.aborted) throw err;
        const timedOut = isAbort(err);
        outcome = { type: timedOut ? 'timeout' : 'network' };
        failure = transportError(call, timedOut, err, attempt, this.opts.timeoutMs);
      }
      if (!shouldRetry(outcome, call.idempotent, attempt, this.retry)) throw failure;
      await this.sleep(retryDelayMs(outcome, attempt, this.retry));
    }
  }

  private async attempt(call: CallOptions, target: string, body: string | undefined): Promise<TransportResponse> {
    const signed = await this.opts.signer.signRequest(call.method, target, body ?? '', { timestamp: Math.floor(this.now() / 1000) });
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.opts.userAgent ?? 'wechatpay-global-node/0.1',
      Authorization: signed.authorization,
      ...call.headers,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.opts.acceptLanguage) headers['Accept-Language'] = this.opts.acceptLanguage;
    const serial = call.wechatpaySerial ?? this.opts.defaultWechatpaySerial;
    if (serial) headers['Wechatpay-Serial'] = serial;
    // A controller and a timer cleared on the answer: AbortSignal.timeout costs ~10x more per call and keeps
    // its timer until it fires.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException('timed out', 'TimeoutError')), call.timeoutMs ?? this.opts.timeoutMs);
    const signal = call.signal ? AbortSignal.any([timeout.signal, call.signal]) : timeout.signal;
    try {
      const res = await this.opts.transport({ method: call.method, url: this.origin + target, headers, body, signal });
      return { ...res, headers: lowerCaseKeys(res.headers) };
    } catch (err) {
      // However the transport reports an abort mid-body, a fired timer means a timeout.
      if (timeout.signal.aborted && !call.signal?.aborted)
        throw Object.assign(new Error('timed out', { cause: err }), { name: 'TimeoutError' });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async accept(call: CallOptions, res: TransportResponse, attempts: number): Promise<ApiResponse> {
    const requestId = res.headers['request-id'];
    let decoded: Buffer;
    try {
      decoded = decodeBody(res);
    } catch (cause) {
      throw new WechatPayError({
        kind: 'invalid_response',
        code: CLIENT_ERROR_CODES.invalidResponse,
        message: 'response body could not be decompressed',
        status: res.status,
        requestId,
        attempts,
        cause,
      });
    }
    const text = decoded.toString('utf8');
    if ((call.verify ?? 'signature') === 'signature') {
      await this.verify(res.headers, text, res.status, requestId, attempts);
    }
    return { status: res.status, headers: res.headers, body: decoded, text, requestId, attempts };
  }

  /** Verifies a signed message against the trusted keys; throws kind 'signature' when it is not authentic. */
  async verify(
    headers: Record<string, string>,
    signedBody: string,
    status: number,
    requestId: string | undefined,
    attempts = 1,
  ): Promise<void> {
    const result = await validateSignedMessage(readSignedHeaders(headers), signedBody, {
      resolver: this.opts.resolver,
      nowMs: this.now(),
    });
    if (!result.ok) {
      throw new WechatPayError({
        kind: 'signature',
        code: CLIENT_ERROR_CODES.signature,
        message: `${status} response treated as forged: ${result.message}`,
        status,
        detail: { reason: result.reason, serial: result.serial },
        requestId,
        attempts,
      });
    }
  }

  /** A 202 on an idempotent call after the last retry: still not processed. */
  private async acceptedError(call: CallOptions, res: TransportResponse, attempts: number): Promise<WechatPayError> {
    return new WechatPayError({
      kind: 'api',
      code: 'ACCEPTED',
      status: 202,
      message: `${call.method} ${call.path} was accepted but not processed yet; repeat it with the same parameters`,
      requestId: res.headers['request-id'],
      headers: res.headers,
      attempts,
    });
  }
}

function lowerCaseKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function decodeBody(res: TransportResponse): Buffer {
  const enc = (res.headers['content-encoding'] ?? '').toLowerCase();
  const looksGzip = res.body.length >= 2 && res.body[0] === 0x1f && res.body[1] === 0x8b;
  if (enc.includes('gzip') || looksGzip) return gunzipSync(res.body);
  return res.body;
}

function isAbort(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return e?.name === 'AbortError' || e?.name === 'TimeoutError' || e?.code === 'ABORT_ERR';
}

function transportError(call: CallOptions, timedOut: boolean, cause: unknown, attempts: number, timeoutMs: number): WechatPayError {
  const what = `${call.method} ${call.path}`;
  const unknownOutcome = call.method === 'POST' ? '; the outcome is unknown: query before acting again' : '';
  return new WechatPayError({
    kind: timedOut ? 'timeout' : 'network',
    code: timedOut ? CLIENT_ERROR_CODES.timeout : CLIENT_ERROR_CODES.network,
    message: timedOut
      ? `${what} got no complete answer within ${call.timeoutMs ?? timeoutMs} ms${unknownOutcome}`
      : `${what} failed: ${(cause as Error)?.message ?? String(cause)}${unknownOutcome}`,
    attempts,
    cause,
  });
}

export function apiError(res: TransportResponse, attempts: number): WechatPayError {
  let text: string;
  try {
    text = decodeBody(res).toString('utf8');
  } catch {
    text = res.body.toString('utf8');
  }
  let parsed: { code?: unknown; message?: unknown; detail?: unknown } | undefined;
  try {
    const j = JSON.parse(text) as unknown;
    if (j && typeof j === 'object') parsed = j as typeof parsed;
  } catch {
    parsed = undefined;
  }
  const code = typeof parsed?.code === 'string' && parsed.code ? parsed.code : `HTTP_${res.status}`;
  const message = typeof parsed?.message === 'string' && parsed.message ? parsed.message : `WeChat Pay answered HTTP ${res.status}`;
  return new WechatPayError({
    kind: 'api',
    code,
    message,
    status: res.status,
    detail: parsed?.detail,
    requestId: res.headers['request-id'],
    headers: res.headers,
    body: text,
    attempts,
  });
}
