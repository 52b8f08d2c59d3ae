// The HTTP layer is one function so tests and other runtimes can swap it. The default uses node:http(s) with
// keep-alive agents and returns the raw bytes, undecoded: signatures are checked over what WeChat Pay sent.
import http from 'node:http';
import https from 'node:https';

export interface TransportRequest {
  method: string;
  url: string; // absolute; its path + query is the signed request target
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>; // lower-case names
  body: Buffer; // raw bytes as received (still gzip-encoded if Content-Encoding says so)
}

export type Transport = (req: TransportRequest) => Promise<TransportResponse>;

export interface NodeTransportOptions {
  keepAlive?: boolean;
  maxSockets?: number;
  /** Answers larger than this are refused (statements are the largest answers). */
  maxBodyBytes?: number;
}

export function createNodeTransport(opts: NodeTransportOptions = {}): Transport & { close(): void } {
  const agentOpts = { keepAlive: opts.keepAlive ?? true, maxSockets: opts.maxSockets ?? 64, keepAliveMsecs: 30_000 };
  const httpAgent = new http.Agent(agentOpts);
  const httpsAgent = new https.Agent(agentOpts);
  const maxBody = opts.maxBodyBytes ?? 256 * 1024 * 1024;

  const transport = (req: TransportRequest): Promise<TransportResponse> =>
    new Promise((resolve, reject) => {
      const url = new URL(req.url);
      const isHttps = url.protocol === 'https:';
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
      const r = (isHttps ? https : http).request(
        {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port || undefined,
          method: req.method,
          path: url.pathname + url.search,
          headers,
          agent: isHttps ? httpsAgent : httpAgent,
          signal: req.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > maxBody) {
              res.destroy(new Error(`response body exceeds ${maxBody} bytes`));
              return;
            }
            chunks.push(c);
          });
          const fail = (err: unknown) => reject(req.signal.aborted ? req.signal.reason : err);
          res.on('error', fail);
          res.on('aborted', () => fail(new Error('response aborted')));
          res.on('end', () => {
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks) });
          });
        },
      );
      r.on('error', (err) => reject(req.signal.aborted ? req.signal.reason : err));
      if (req.body !== undefined) r.end(req.body);
      else r.end();
    });
  return Object.assign(transport, {
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  });
}
