// Limits on the http.Server itself, set on purpose rather than left at Node's defaults (a 300 s requestTimeout,
// no cap per client). main.ts applies them; tests apply them to their own servers.
// - headersTimeout: the request line and headers must arrive within it (slowloris);
// - requestTimeout: the whole request must arrive within it (the app drops an unfinished body much earlier,
//   see http/body.ts; this is the backstop for paths that never read theirs);
// - keepAliveTimeout: an idle keep-alive socket is closed after it (keep it above the load balancer's);
// - maxConnectionsPerIp: one remote address may hold this many sockets at once; more are destroyed on arrival.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnectionsPerIp: number;
}

export interface AppliedLimits {
  /** Open sockets per remote address right now. */
  connections(): Map<string, number>;
  /** Sockets destroyed because their address was over the cap. */
  refused(): number;
}

export function applyServerLimits(server: Server, limits: ServerLimits): AppliedLimits {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  const open = new Map<string, number>();
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    const n = open.get(ip) ?? 0;
    if (n >= limits.maxConnectionsPerIp) {
      refused++;
      socket.destroy();
      return;
    }
    open.set(ip, n + 1);
    socket.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left <= 0) open.delete(ip);
      else open.set(ip, left);
    });
  });
  return { connections: () => new Map(open), refused: () => refused };
}

/**
 * An http.Server with the limits applied. Node checks headersTimeout and requestTimeout only every
 * connectionsCheckingInterval (30 s by default), which must be given at creation: here once a second.
 */
export function createLimitedServer(listener: RequestListener, limits: ServerLimits): { server: Server; applied: AppliedLimits } {
  const server = createServer({ connectionsCheckingInterval: 1000 }, listener);
  return { server, applied: applyServerLimits(server, limits) };
}

/** The limits from the configuration's names. */
export function serverLimitsFrom(c: {
  HEADERS_TIMEOUT_MS: number;
  REQUEST_TIMEOUT_MS: number;
  KEEP_ALIVE_TIMEOUT_MS: number;
  MAX_CONNECTIONS_PER_IP: number;
}): ServerLimits {
  return {
    headersTimeoutMs: c.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: c.KEEP_ALIVE_TIMEOUT_MS,
    maxConnectionsPerIp: c.MAX_CONNECTIONS_PER_IP,
  };
}
