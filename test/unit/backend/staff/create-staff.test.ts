// The create-staff command as a real process: password from stdin, stored only as a scrypt hash.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Connection } from 'mongoose';
import { connectDatabase } from '../../../../server/src/storage/mongo/connection';
import { verifyPassword } from '../../../../server/src/domain/staff-password';
import { staffUserModel } from '../../../../server/src/storage/mongo/models/staff-user';
import { dropDatabase, testDatabaseUri } from '../../../support/db';

const uri = testDatabaseUri('createstaff');
let db: Connection;
beforeAll(async () => {
  db = await connectDatabase(uri);
});
afterAll(async () => {
  await db.close();
  await dropDatabase(uri);
});

// Async on purpose: when jest runs in band, the database proxy lives in this process and must keep serving.
function run(args: string[], input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/create-staff.ts', ...args], {
      cwd: resolve(__dirname, '../../../..'),
      env: { ...process.env, MONGODB_URI: uri },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => done({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

test('creates an admin from stdin, refuses a duplicate, resets with --update', async () => {
  const first = await run(['--username', 'root-admin', '--role', 'admin'], 'a-long-secret-1\n');
  expect(first.stderr).toBe('');
  expect(first.status).toBe(0);
  expect(first.stdout).toContain('created staff user root-admin (admin)');
  const user = await staffUserModel(db).findOne({ username: 'root-admin' }).lean();
  expect(user?.role).toBe('admin');
  expect(user?.passwordHash).not.toContain('a-long-secret-1');
  expect(await verifyPassword('a-long-secret-1', user!.passwordHash)).toBe(true);

  const dup = await run(['--username', 'root-admin', '--role', 'viewer', '--password', 'another-secret-2']);
  expect(dup.status).toBe(1);
  expect(dup.stderr).toMatch(/exists/);

  const upd = await run(['--username', 'root-admin', '--role', 'viewer', '--password', 'another-secret-2', '--update']);
  expect(upd.status).toBe(0);
  const after = await staffUserModel(db).findOne({ username: 'root-admin' }).lean();
  expect(after?.role).toBe('viewer');
  expect(await verifyPassword('another-secret-2', after!.passwordHash)).toBe(true);
});

test('bad arguments and short passwords are refused', async () => {
  expect((await run(['--username', 'x', '--role', 'root'])).status).toBe(2);
  const short = await run(['--username', 'shorty', '--role', 'viewer', '--password', 'short']);
  expect(short.status).toBe(1);
  expect(short.stderr).toMatch(/at least 10/);
});
