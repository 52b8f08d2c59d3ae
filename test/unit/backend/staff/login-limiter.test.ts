// The limiter against a real database (its counts must be shared by instances, so no in-memory fake).
import type { Connection } from 'mongoose';
import { connectDatabase } from '../../../../server/src/storage/mongo/connection';
import { LoginLimiter } from '../../../../server/src/domain/staff-login-limiter';
import { mongoLoginAttempts } from '../../../../server/src/storage/mongo/staff';
import { dropDatabase, testDatabaseUri } from '../../../support/db';

const uri = testDatabaseUri('limiter');
let db: Connection;
beforeAll(async () => {
  db = await connectDatabase(uri);
  await mongoLoginAttempts(db).init();
});
afterAll(async () => {
  await db.close();
  await dropDatabase(uri);
});

test('locks a username after maxPerUser failures, for the rest of the window; success clears it', async () => {
  let now = new Date('2026-01-01T00:00:10Z');
  const a = new LoginLimiter(mongoLoginAttempts(db), { windowMs: 60_000, maxPerUser: 3, maxPerIp: 100 }, () => now);
  const b = new LoginLimiter(mongoLoginAttempts(db), { windowMs: 60_000, maxPerUser: 3, maxPerIp: 100 }, () => now); // another instance
  await a.recordFailure('u1', '10.0.0.1');
  await b.recordFailure('u1', '10.0.0.2');
  expect(await a.retryAfter('u1', '10.0.0.3')).toBe(0);
  await Promise.all([a.recordFailure('u1', '10.0.0.1'), b.recordFailure('u1', '10.0.0.1')]);
  expect(await b.retryAfter('u1', '10.0.0.9')).toBe(110); // until the next window ends (00:02:00)
  expect(await a.retryAfter('u2', '10.0.0.9')).toBe(0);
  now = new Date('2026-01-01T00:01:30Z'); // previous window still counts
  expect(await a.retryAfter('u1', '10.0.0.9')).toBeGreaterThan(0);
  now = new Date('2026-01-01T00:02:01Z');
  expect(await a.retryAfter('u1', '10.0.0.9')).toBe(0);
  await a.recordFailure('u3', '10.0.0.5');
  await a.recordSuccess('u3');
  expect(await a.retryAfter('u3', '10.0.0.5')).toBe(0);
});

test('locks an address after maxPerIp failures across usernames', async () => {
  const now = new Date('2026-02-01T00:00:00Z');
  const l = new LoginLimiter(mongoLoginAttempts(db), { windowMs: 60_000, maxPerUser: 100, maxPerIp: 4 }, () => now);
  await Promise.all(['x1', 'x2', 'x3', 'x4'].map((u) => l.recordFailure(u, '192.0.2.7')));
  expect(await l.retryAfter('fresh-user', '192.0.2.7')).toBeGreaterThan(0);
  expect(await l.retryAfter('fresh-user', '192.0.2.8')).toBe(0);
});
