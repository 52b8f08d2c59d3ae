// The campaign's HTTP client: node:http with keep-alive, raw bytes in and out (so invalid UTF-8 and wrong
// content types reach the server as written), a timeout on every call, and loopback targets only.
import { Agent, request } from 'node:http';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Throws unless `url` is http on a loopback address: the campaign never sends traffic off the machine. */
export function assertLoopback(url: string): URL {
  const u = new URL(url);
  if (u.protocol !== 'http:' || !LOOPBACK_HOSTS.has(u.hostname)) {
    throw new Error(`campaign targets must be http on loopback, refusing ${u.protocol}//${u.host}`);
  }
  return u;
}

export interface RawRequest {
  method: string;
  /** Path and query, sent byte for byte (may be deliberately malformed). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  ms: number;
  text(): string;
  json<T = unknown>(): T | undefined;
}

export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    message: string,
    readonly kind: 'timeout' | 'reset' | 'refused' | 'other',
  ) {
    super(message);
  }
}

export class HttpClient {
  private readonly base: URL;
  private readonly agent: Agent;

  constructor(
    baseUrl: string,
    private readonly opts: { timeoutMs?: number; maxSockets?: number } = {},
  ) {
    this.base = assertLoopback(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 256 });
  }

  send(req: RawRequest): Promise<RawResponse> {
    const start = performance.now();
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (body && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const r = request(
        {
          host: this.base.hostname.replace(/^\[|\]$/g, ''),
          port: this.base.port,
          method: req.method,
          path: req.path,
          headers,
          agent: this.agent,
          timeout: this.opts.timeoutMs ?? 15_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new TransportError(e.message, 'reset')));
          res.on('end', () => {
            const buf = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: buf,
              ms: performance.now() - start,
              text: () => buf.toString('utf8'),
              json: <T>() => {
                try {
                  return JSON.parse(buf.toString('utf8')) as T;
                } catch {
                  return undefined;
                }
              },
            });
          });
        },
      );
      r.on('timeout', () => r.destroy(new TransportError(`timed out after ${this.opts.timeoutMs ?? 15_000} ms`, 'timeout')));
      r.on('error', (e: NodeJS.ErrnoException) => {
        if (e instanceof TransportError) reject(e);
        else reject(new TransportError(e.message, e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'ECONNRESET' ? 'reset' : 'other'));
      });
      if (body) r.write(body);
      r.end();
    });
  }

  /** JSON convenience: bearer token, JSON body. */
  json(method: string, path: string, body?: unknown, token?: string): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.send({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  close(): void {
    this.agent.destroy();
  }
}
