// The load generator's HTTP client: node:http over keep-alive sockets, JSON in and out. The customers and
// WeChat's cashier do not run on the server's machine; fetch costs the load generator 2-3x the CPU per request
// of this client, and every millisecond it spends is taken from the stack it measures on a 2-core machine.
import { Agent, request } from 'node:http';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of every shape, read by the bench
export type JsonAnswer = { status: number; json: any };

export function jsonClient(baseUrl: string, maxSockets = 256) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const once = (method: string, path: string, o: { token?: string; body?: unknown }): Promise<JsonAnswer> =>
    new Promise((resolve, reject) => {
      const payload = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
      const headers: Record<string, string | number> = {};
      if (o.token) headers.Authorization = `Bearer ${o.token}`;
      if (payload) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = payload.length;
      }
      const req = request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on('error', reject);
      });
      req.on('error', (err) =>
        reject(Object.assign(err, { reusedSocket: req.reusedSocket, message: `${method} ${baseUrl}${path}: ${err.message}` })),
      );
      req.end(payload);
    });
  // A kept-alive socket the server closed just as it was reused fails before the request reached the server:
  // sent again once, on a fresh socket (Node's documented remedy).
  const call = (method: string, path: string, o: { token?: string; body?: unknown } = {}): Promise<JsonAnswer> =>
    once(method, path, o).catch((err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
      if (err.reusedSocket && err.code === 'ECONNRESET') return once(method, path, o);
      throw err;
    });
  return { call, close: () => agent.destroy() };
}
