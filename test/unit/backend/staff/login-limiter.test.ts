// The login limiter on each storage: in memory (the rules alone) and on the real database (the same
// conditional updates MongoDB runs, shared by two limiter instances as by two backends). Reservations are taken
// before a password is checked, so a burst can never get more checks than a limit.
import type { Storage } from '../../../../server/src/domain/ports';
import { StaffAccounts, UNKNOWN_USERNAME } from '../../../../server/src/domain/staff-accounts';
import { AuditLog } from '../../../../server/src/domain/staff-audit';
import { LoginLimiter, type LoginLimits, type Reservation } from '../../../../server/src/domain/staff-login-limiter';
import { hashPassword } from '../../../../server/src/domain/staff-password';
import { createMemoryStorage } from '../../../../server/src/storage/memory';
import { mongoStorageForFile } from '../../../support/db';

const mongoStorage = mongoStorageForFile('limiter');

const LIMITS: LoginLimits = { windowMs: 60_000, maxPerUser: 6, maxPerUserAddress: 4, maxPerIp: 100, knownAddressMs: 86400_000 };
const granted = (rs: Reservation[]) => rs.filter((r) => 'ticket' in r).length;

describe.each([
  ['in memory', async (): Promise<Storage> => createMemoryStorage()],
  ['on the database', mongoStorage],
])('login limiter %s', (_name, makeStorage) => {
  let st: Storage;
  beforeAll(async () => {
    st = await makeStorage();
  });
  let n = 0;
  const user = () => `u${Date.now().toString(36)}${n++}`;

  test('a concurrent burst from one address on two instances reserves at most maxPerUserAddress checks', async () => {
    const now = new Date('2026-01-01T00:00:10Z');
    const a = new LoginLimiter(st.loginAttempts, LIMITS, () => now);
    const b = new LoginLimiter(st.loginAttempts, LIMITS, () => now);
    const u = user();
    const rs = await Promise.all(Array.from({ length: 25 }, (_, i) => (i % 2 ? a : b).reserve(u, '10.0.0.1')));
    expect(granted(rs)).toBeGreaterThan(0);
    expect(granted(rs)).toBeLessThanOrEqual(4); // fewer when the growing delay already refused some
    const refused = rs.find((r) => 'retryAfterSeconds' in r);
    expect(refused && 'retryAfterSeconds' in refused && refused.retryAfterSeconds).toBeGreaterThan(0);
  });

  test('a burst from many addresses reserves at most the account ceiling', async () => {
    const now = new Date('2026-01-01T00:05:10Z');
    const a = new LoginLimiter(st.loginAttempts, LIMITS, () => now);
    const b = new LoginLimiter(st.loginAttempts, LIMITS, () => now);
    const u = user();
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).reserve(u, `10.1.0.${i}`)));
    expect(granted(rs)).toBe(6);
  });

  test('growing delays per (user, address); the account ceiling does not keep the owner out of a known address', async () => {
    let now = new Date('2026-01-01T00:10:00Z');
    const l = new LoginLimiter(st.loginAttempts, LIMITS, () => now);
    const u = user();
    // The owner logs in once from home: the address becomes known.
    const first = await l.reserve(u, '192.0.2.1');
    if (!('ticket' in first)) throw new Error('refused');
    await l.succeeded(first.ticket);
    // An attacker exhausts the account ceiling from elsewhere.
    for (let i = 0; i < 10; i++) await l.reserve(u, `198.51.100.${i}`);
    expect(await l.reserve(u, '198.51.100.200')).toEqual({ retryAfterSeconds: expect.any(Number) });
    // The owner still gets a check from home.
    expect('ticket' in (await l.reserve(u, '192.0.2.1'))).toBe(true);
    // Growing delays between failures of one pair: after the 3rd the next attempt waits 2 s, then 4 s.
    const v = user();
    expect('ticket' in (await l.reserve(v, '203.0.113.5'))).toBe(true);
    expect('ticket' in (await l.reserve(v, '203.0.113.5'))).toBe(true);
    expect('ticket' in (await l.reserve(v, '203.0.113.5'))).toBe(true);
    expect(await l.reserve(v, '203.0.113.5')).toEqual({ retryAfterSeconds: 2 });
    now = new Date(now.getTime() + 2001);
    expect('ticket' in (await l.reserve(v, '203.0.113.5'))).toBe(true);
    now = new Date(now.getTime() + 4001);
    expect(await l.reserve(v, '203.0.113.5')).toEqual({ retryAfterSeconds: expect.any(Number) }); // pair budget spent
    // An admin unlock forgets the pair and the account counts.
    await l.unlock(v);
    await l.unlock(u);
    expect('ticket' in (await l.reserve(v, '203.0.113.5'))).toBe(true);
    expect('ticket' in (await l.reserve(u, '198.51.100.200'))).toBe(true);
  });

  test('refused logins are counted per (day, username), not stored per attempt; unknown names share a counter', async () => {
    const u = user();
    await st.staffUsers.insert({ username: u, passwordHash: await hashPassword('right-password-1'), role: 'admin' });
    const accounts = new StaffAccounts({
      staffUsers: st.staffUsers,
      limiter: new LoginLimiter(st.loginAttempts, LIMITS),
      audit: new AuditLog(st.audit),
      jwtSecret: 'x'.repeat(32),
      tokenTtlSeconds: 60,
    });
    const day = new Date().toISOString().slice(0, 10);
    const before = (await st.audit.loginRefusals(day, UNKNOWN_USERNAME))?.count ?? 0;
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => accounts.login(u, 'wrong-password', '10.9.9.9')));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    await accounts.login(`nobody-${u}`, 'wrong-password', '10.9.9.8').catch(() => undefined);
    await accounts.login(`other-${u}`, 'wrong-password', '10.9.9.8').catch(() => undefined);
    const c = await st.audit.loginRefusals(day, u);
    expect(c?.count).toBe(8);
    expect(c?.byCode.UNAUTHENTICATED).toBeLessThanOrEqual(4);
    expect((c?.byCode.UNAUTHENTICATED ?? 0) + (c?.byCode.TOO_MANY_REQUESTS ?? 0)).toBe(8);
    expect((await st.audit.loginRefusals(day, UNKNOWN_USERNAME))?.count).toBe(before + 2);
    expect(await st.audit.loginRefusals(day, `nobody-${u}`)).toBeUndefined();
  });
});
