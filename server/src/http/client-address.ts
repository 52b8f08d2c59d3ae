// The client address used for login limits, logs and the audit (ctx.ip), from TRUST_PROXY: with no trusted
// proxy the connection's peer; with a hop count, the address that many hops left of the peer in
// X-Forwarded-For; with CIDRs, the right-most address (peer first, then X-Forwarded-For from the right) that is
// not a trusted proxy. Addresses a client writes itself into X-Forwarded-For are never believed beyond that.
import { BlockList, isIP } from 'node:net';
import type { Middleware } from 'koa';
import type { TrustProxy } from '../config';

const strip = (a: string) => (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a);

export function clientAddressResolver(trust: TrustProxy): (peer: string, forwardedFor: string | undefined) => string {
  if (trust.kind === 'none') return (peer) => strip(peer);
  const chain = (peer: string, xff: string | undefined) => [
    ...(xff ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => isIP(s) !== 0),
    strip(peer),
  ];
  if (trust.kind === 'hops') {
    return (peer, xff) => {
      const c = chain(peer, xff);
      return c[Math.max(0, c.length - 1 - trust.hops)] as string;
    };
  }
  const list = new BlockList();
  for (const c of trust.cidrs) list.addSubnet(c.address, c.prefix, c.family);
  const trusted = (a: string) => list.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');
  return (peer, xff) => {
    const c = chain(peer, xff).map(strip);
    for (let i = c.length - 1; i > 0; i--) if (!trusted(c[i] as string)) return c[i] as string;
    return c[0] as string;
  };
}

/** Sets ctx.ip (ctx.request.ip) to the resolved client address for everything after it. */
export function clientAddress(trust: TrustProxy): Middleware {
  const resolve = clientAddressResolver(trust);
  return async (ctx, next) => {
    ctx.request.ip = resolve(ctx.req.socket.remoteAddress ?? '', ctx.get('X-Forwarded-For') || undefined);
    await next();
  };
}
