// Bad bearer tokens for the auth scenario: expired, tampered, `alg:none`, wrong audience / issuer / secret /
// algorithm. Built with jsonwebtoken and by hand (for the shapes a library refuses to produce).
import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';

const ISSUER = 'wxpay-backend';

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

function hs(alg: 'sha256' | 'sha512', secret: string, header: object, payload: object): string {
  const head = `${b64url(header)}.${b64url(payload)}`;
  return `${head}.${createHmac(alg, secret).update(head).digest('base64url')}`;
}

export interface BadTokenInput {
  secret: string;
  sub: string;
  aud: 'customer' | 'staff';
  role?: string;
  /** A genuine token of someone else, to tamper with. */
  genuine: string;
}

/** kind -> token. Every one of them must be refused (401) wherever `aud` is required. */
export function badTokens(i: BadTokenInput): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: i.sub, aud: i.aud, iss: ISSUER, ...(i.role ? { role: i.role } : {}) };
  const [h, p] = i.genuine.split('.');
  const payload = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8') || '{}') as Record<string, unknown>;
  return {
    expired: hs('sha256', i.secret, { alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7200, exp: now - 3600 }),
    'tampered-payload': `${h}.${b64url({ ...payload, sub: i.sub, role: 'admin' })}.${i.genuine.split('.')[2]}`,
    'tampered-signature': i.genuine.slice(0, -4) + (i.genuine.endsWith('AAAA') ? 'BBBB' : 'AAAA'),
    'alg-none': `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims, iat: now, exp: now + 3600 })}.`,
    'alg-none-upper': `${b64url({ alg: 'NONE', typ: 'JWT' })}.${b64url({ ...claims, iat: now, exp: now + 3600 })}.`,
    'wrong-audience': hs(
      'sha256',
      i.secret,
      { alg: 'HS256', typ: 'JWT' },
      { ...claims, aud: i.aud === 'customer' ? 'staff' : 'customer', iat: now, exp: now + 3600 },
    ),
    'other-audience': hs('sha256', i.secret, { alg: 'HS256', typ: 'JWT' }, { ...claims, aud: 'admin-console', iat: now, exp: now + 3600 }),
    'wrong-issuer': hs('sha256', i.secret, { alg: 'HS256', typ: 'JWT' }, { ...claims, iss: 'someone-else', iat: now, exp: now + 3600 }),
    'wrong-secret': jwt.sign({ ...(i.role ? { role: i.role } : {}) }, 'x'.repeat(40), {
      algorithm: 'HS256',
      subject: i.sub,
      audience: i.aud,
      issuer: ISSUER,
      expiresIn: 3600,
    }),
    'hs512-same-secret': hs('sha512', i.secret, { alg: 'HS512', typ: 'JWT' }, { ...claims, iat: now, exp: now + 3600 }),
    'no-expiry': hs('sha256', i.secret, { alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now }),
    'not-before-future': hs('sha256', i.secret, { alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now, nbf: now + 3600, exp: now + 7200 }),
    'empty-subject': hs('sha256', i.secret, { alg: 'HS256', typ: 'JWT' }, { ...claims, sub: '', iat: now, exp: now + 3600 }),
    garbage: 'not.a.jwt',
    'two-parts': `${h}.${p}`,
  };
}
