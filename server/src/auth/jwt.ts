// Signed bearer tokens for customers and staff. HS256 is pinned on both sides: a token whose header names
// another algorithm (including `none`) is rejected, as are tampered, expired and wrong-audience tokens.
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { DomainError } from '../domain/errors';

export type TokenAudience = 'customer' | 'staff';

export interface TokenClaims {
  sub: string;
  aud: TokenAudience;
  role?: string;
}

export interface VerifiedToken extends TokenClaims {
  iat: number;
  exp: number;
}

const ALGORITHM = 'HS256';
const ISSUER = 'wxpay-backend';

// jsonwebtoken turns a string secret into a key on every call, first trying (and failing) to parse it as a
// public key: about a millisecond of CPU per request. The secret's KeyObject is made once instead.
const keys = new Map<string, KeyObject>();
function secretKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    if (keys.size > 8) keys.clear(); // a process has one or two secrets; tests make more
    keys.set(secret, key);
  }
  return key;
}

export function signToken(secret: string, claims: TokenClaims, ttlSeconds: number): string {
  const payload: Record<string, unknown> = {};
  if (claims.role !== undefined) payload.role = claims.role;
  return jwt.sign(payload, secretKey(secret), {
    algorithm: ALGORITHM,
    subject: claims.sub,
    audience: claims.aud,
    issuer: ISSUER,
    expiresIn: ttlSeconds,
  });
}

const CLOCK_TOLERANCE_S = 5;

// A customer sends the same token with every request (an order costs two). A token verified once with this
// secret and audience is remembered, so the next request only checks its expiry again: the signature, header
// and claims of the same bytes cannot have changed. Bounded: the oldest is forgotten first.
const MAX_REMEMBERED = 10_000;
const remembered = new Map<string, VerifiedToken>();

/** Verifies signature, algorithm, issuer, audience and expiry; throws UNAUTHENTICATED or TOKEN_EXPIRED. */
export function verifyToken(secret: string, token: string, aud: TokenAudience): VerifiedToken {
  const key = `${aud}\n${secret}\n${token}`;
  const known = remembered.get(key);
  if (known) {
    if (known.exp + CLOCK_TOLERANCE_S > Date.now() / 1000) return { ...known };
    remembered.delete(key);
    throw new DomainError('TOKEN_EXPIRED', 'token expired');
  }
  const verified = verifyFully(secret, token, aud);
  if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
  remembered.set(key, verified);
  return { ...verified };
}

function verifyFully(secret: string, token: string, aud: TokenAudience): VerifiedToken {
  let decoded: string | jwt.JwtPayload;
  try {
    decoded = jwt.verify(token, secretKey(secret), {
      algorithms: [ALGORITHM],
      audience: aud,
      issuer: ISSUER,
      clockTolerance: CLOCK_TOLERANCE_S,
    });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw new DomainError('TOKEN_EXPIRED', 'token expired');
    throw new DomainError('UNAUTHENTICATED', 'invalid token');
  }
  if (typeof decoded === 'string' || typeof decoded.sub !== 'string' || !decoded.sub) {
    throw new DomainError('UNAUTHENTICATED', 'invalid token');
  }
  // Exactly one audience: a token minted for several (["customer","staff"]) is valid for none of them.
  if (decoded.aud !== aud) throw new DomainError('UNAUTHENTICATED', 'invalid token');
  if (typeof decoded.iat !== 'number' || typeof decoded.exp !== 'number') throw new DomainError('UNAUTHENTICATED', 'invalid token');
  const out: VerifiedToken = { sub: decoded.sub, aud, iat: decoded.iat, exp: decoded.exp };
  if (typeof decoded.role === 'string') out.role = decoded.role;
  return out;
}
