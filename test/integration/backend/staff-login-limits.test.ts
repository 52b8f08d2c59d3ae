// Staff login limits over HTTP on two backend instances sharing one database, behind a (pretend) reverse proxy
// (TRUST_PROXY=1: the client address is the last X-Forwarded-For entry). Concurrent bursts never get more
// password checks than a limit; a username's owner is not kept out by others; refusals are counted, not stored.
import mongoose from 'mongoose';
import { startStack, type Stack } from '../../support/stack';
import { seedStaff, staffToken, TEST_STAFF_PASSWORD } from '../../support/staff';

let stack: Stack;
let second: { url: string; stop(): Promise<void> };
let db: mongoose.Connection;
let admin: string;
beforeAll(async () => {
  const env = { TRUST_PROXY: '1', STAFF_LOGIN_MAX_PER_USER: '6', STAFF_LOGIN_MAX_PER_USER_ADDRESS: '4', STAFF_LOGIN_MAX_PER_IP: '1000' };
  stack = await startStack({ env });
  second = await stack.addBackend({ INSTANCE_ID: 'two' });
  admin = await staffToken(stack.backendUrl, stack.dbUri, 'root', 'admin');
  db = await mongoose.createConnection(stack.dbUri).asPromise();
});
afterAll(async () => {
  await db?.close();
  await second?.stop();
  await stack?.stop();
});

const login = (base: string, username: string, password: string, from: string) =>
  fetch(`${base}/api/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': from },
    body: JSON.stringify({ username, password }),
  });

test('a concurrent burst on two instances from one address checks at most the per-address budget', async () => {
  await seedStaff(stack.dbUri, 'burst1', 'viewer');
  // 15 wrong and the right one last, split over both instances.
  const res = await Promise.all(
    Array.from({ length: 16 }, (_, i) =>
      login(i % 2 ? second.url : stack.backendUrl, 'burst1', i === 15 ? TEST_STAFF_PASSWORD : `wrong-${i}`, '203.0.113.10'),
    ),
  );
  const statuses = res.map((r) => r.status);
  const checked = statuses.filter((s) => s === 200 || s === 401).length;
  expect(checked).toBeLessThanOrEqual(4);
  if (statuses[15] === 200) expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
  expect(statuses.every((s) => [200, 401, 429].includes(s))).toBe(true);
});

test('a burst from 25 addresses checks at most the account ceiling; the owner from a known address still gets in', async () => {
  await seedStaff(stack.dbUri, 'owner1', 'viewer');
  expect((await login(stack.backendUrl, 'owner1', TEST_STAFF_PASSWORD, '198.51.100.77')).status).toBe(200); // usual address
  const res = await Promise.all(
    Array.from({ length: 25 }, (_, i) => login(i % 2 ? second.url : stack.backendUrl, 'owner1', 'wrong-password', `192.0.2.${i + 1}`)),
  );
  expect(res.filter((r) => r.status === 401).length).toBeLessThanOrEqual(6);
  expect(res.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(19);
  // Locked for new addresses, not for the owner's usual one.
  expect((await login(second.url, 'owner1', TEST_STAFF_PASSWORD, '192.0.2.200')).status).toBe(429);
  expect((await login(second.url, 'owner1', TEST_STAFF_PASSWORD, '198.51.100.77')).status).toBe(200);
});

test('an admin unlock clears the counts and is audited; only admins may', async () => {
  await seedStaff(stack.dbUri, 'locked1', 'viewer');
  for (let i = 0; i < 4; i++) await login(stack.backendUrl, 'locked1', 'wrong-password', '192.0.2.50');
  expect((await login(stack.backendUrl, 'locked1', TEST_STAFF_PASSWORD, '192.0.2.50')).status).toBe(429);
  const other = await staffToken(stack.backendUrl, stack.dbUri, 'look', 'viewer');
  expect((await stack.api('POST', '/api/admin/staff/locked1/unlock', { token: other, body: {} })).status).toBe(403);
  expect((await stack.api('POST', '/api/admin/staff/nobody-here/unlock', { token: admin, body: {} })).status).toBe(404);
  const ok = await stack.api('POST', '/api/admin/staff/locked1/unlock', { token: admin, body: {} });
  expect(ok.status).toBe(200);
  expect((await login(second.url, 'locked1', TEST_STAFF_PASSWORD, '192.0.2.50')).status).toBe(200);
  expect(await db.collection('audit_log').countDocuments({ action: 'staff.unlock', target: 'staff:locked1', actor: 'root' })).toBe(1);
});

test('refused logins do not grow the audit log: 60 refusals add no record, one counter per username and day', async () => {
  await seedStaff(stack.dbUri, 'noisy1', 'viewer');
  const audit = db.collection('audit_log');
  const before = await audit.countDocuments({});
  for (let i = 0; i < 60; i++) await login(i % 2 ? second.url : stack.backendUrl, i % 3 ? 'noisy1' : `made-up-${i}`, 'wrong', '192.0.2.99');
  expect(await audit.countDocuments({})).toBe(before);
  const counters = db.collection('audit_login_refusals');
  expect((await counters.findOne({ username: 'noisy1' }))?.count).toBe(40);
  expect(await counters.countDocuments({ username: /^made-up-/ })).toBe(0);
  expect((await counters.findOne({ username: '(unknown)' }))?.count).toBeGreaterThanOrEqual(20);
});
