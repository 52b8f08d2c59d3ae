import { createHmac, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { signToken, verifyToken } from '../../../server/src/auth/jwt';
import { DomainError } from '../../../server/src/domain/errors';

const secret = randomBytes(32).toString('hex');
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? err.code : `not a DomainError: ${String(err)}`;
  }
  return undefined;
}

test('a signed token verifies with its audience and claims', () => {
  const token = signToken(secret, { sub: 'o_123', aud: 'staff', role: 'admin' }, 60);
  const v = verifyToken(secret, token, 'staff');
  expect(v).toMatchObject({ sub: 'o_123', aud: 'staff', role: 'admin' });
  expect(v.exp - v.iat).toBe(60);
});

test('wrong audience, wrong secret, tampered payload -> UNAUTHENTICATED', () => {
  const token = signToken(secret, { sub: 'o_123', aud: 'customer' }, 60);
  expect(codeOf(() => verifyToken(secret, token, 'staff'))).toBe('UNAUTHENTICATED');
  expect(codeOf(() => verifyToken(`${secret}x`, token, 'customer'))).toBe('UNAUTHENTICATED');
  const [h, , s] = token.split('.');
  const forged = `${h}.${b64url({ sub: 'o_other', aud: 'customer', iss: 'wxpay-backend', iat: 1, exp: 4e9 })}.${s}`;
  expect(codeOf(() => verifyToken(secret, forged, 'customer'))).toBe('UNAUTHENTICATED');
  expect(codeOf(() => verifyToken(secret, 'garbage', 'customer'))).toBe('UNAUTHENTICATED');
});

test('alg:none and other algorithms are refused', () => {
  const now = Math.floor(Date.now() / 1000);
  const payload = { sub: 'o_1', aud: 'customer', iss: 'wxpay-backend', iat: now, exp: now + 60 };
  const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
  expect(codeOf(() => verifyToken(secret, none, 'customer'))).toBe('UNAUTHENTICATED');
  // HS512 with the right secret is still refused: the algorithm is pinned.
  const hs512 = jwt.sign(payload, secret, { algorithm: 'HS512' });
  expect(codeOf(() => verifyToken(secret, hs512, 'customer'))).toBe('UNAUTHENTICATED');
  // A hand-made HS256 token with a correct MAC but a header of alg HS384 is refused too.
  const head = b64url({ alg: 'HS384', typ: 'JWT' });
  const body = b64url(payload);
  const mac = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  expect(codeOf(() => verifyToken(secret, `${head}.${body}.${mac}`, 'customer'))).toBe('UNAUTHENTICATED');
});

test('expired tokens -> TOKEN_EXPIRED', () => {
  const past = Math.floor(Date.now() / 1000) - 120;
  const expired = jwt.sign({ iat: past, exp: past + 60 }, secret, {
    algorithm: 'HS256',
    subject: 'o_1',
    audience: 'customer',
    issuer: 'wxpay-backend',
  });
  expect(codeOf(() => verifyToken(secret, expired, 'customer'))).toBe('TOKEN_EXPIRED');
});

test('a token without a subject is refused', () => {
  const t = jwt.sign({}, secret, { algorithm: 'HS256', audience: 'customer', issuer: 'wxpay-backend', expiresIn: 60 });
  expect(codeOf(() => verifyToken(secret, t, 'customer'))).toBe('UNAUTHENTICATED');
});

test('a token verified once is remembered for its audience and secret only, and still expires', () => {
  jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') });
  try {
    const token = signToken(secret, { sub: 'o_456', aud: 'customer' }, 60);
    expect(verifyToken(secret, token, 'customer').sub).toBe('o_456');
    expect(verifyToken(secret, token, 'customer').sub).toBe('o_456');
    // Remembered for (customer, this secret): the same bytes are still refused elsewhere.
    expect(codeOf(() => verifyToken(secret, token, 'staff'))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => verifyToken(`${secret}y`, token, 'customer'))).toBe('UNAUTHENTICATED');
    // A caller changing its copy of the claims does not change what the next request gets.
    const v = verifyToken(secret, token, 'customer');
    v.sub = 'o_other';
    expect(verifyToken(secret, token, 'customer').sub).toBe('o_456');
    // Within the 5 s tolerance after exp it is accepted, past it refused, and stays refused.
    jest.setSystemTime(new Date('2026-12-01T10:01:04Z'));
    expect(verifyToken(secret, token, 'customer').sub).toBe('o_456');
    jest.setSystemTime(new Date('2026-12-01T10:01:06Z'));
    expect(codeOf(() => verifyToken(secret, token, 'customer'))).toBe('TOKEN_EXPIRED');
    expect(codeOf(() => verifyToken(secret, token, 'customer'))).toBe('TOKEN_EXPIRED');
  } finally {
    jest.useRealTimers();
  }
});
