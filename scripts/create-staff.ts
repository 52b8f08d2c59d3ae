// Creates a staff user (or with --update resets its password and role):
//   npm run create-staff -- --username alice --role admin            (password read from stdin)
//   npm run create-staff -- --username bob --role cashier --password '...'
// The database is MONGODB_URI (or --mongodb-uri). Roles: admin, cashier, viewer.
import { parseArgs } from 'node:util';
import { DomainError } from '../server/src/domain/errors';
import { StaffAccounts } from '../server/src/domain/staff-accounts';
import { AuditLog } from '../server/src/domain/staff-audit';
import { LoginLimiter } from '../server/src/domain/staff-login-limiter';
import { connectDatabase, createMongoStorage } from '../server/src/storage/mongo';
import type { StaffRole } from '../shared/api';
import { STAFF_ROLES } from '../shared/roles';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Creates or updates a staff user in the database at `uri`. */
export async function createStaff(
  uri: string,
  username: string,
  password: string,
  role: StaffRole,
  update = false,
): Promise<{ created: boolean }> {
  const db = await connectDatabase(uri);
  try {
    const storage = createMongoStorage(db);
    await storage.init();
    // Login settings do not matter for creating an account.
    const accounts = new StaffAccounts({
      staffUsers: storage.staffUsers,
      limiter: new LoginLimiter(storage.loginAttempts),
      audit: new AuditLog(storage.audit),
      jwtSecret: 'unused',
      tokenTtlSeconds: 60,
    });
    return await accounts.create(username, password, role, update);
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
      update: { type: 'boolean', default: false },
      'mongodb-uri': { type: 'string' },
    },
  });
  const uri = values['mongodb-uri'] ?? process.env.MONGODB_URI;
  const role = values.role as StaffRole | undefined;
  if (!values.username || !role || !STAFF_ROLES.includes(role) || !uri) {
    process.stderr.write(
      'usage: npm run create-staff -- --username NAME --role admin|cashier|viewer [--password P | password on stdin] [--update]\n(MONGODB_URI or --mongodb-uri names the database)\n',
    );
    process.exit(2);
  }
  const password = values.password ?? (await readStdin());
  try {
    const r = await createStaff(uri, values.username, password, role, values.update);
    process.stdout.write(`${r.created ? 'created' : 'updated'} staff user ${values.username} (${role})\n`);
  } catch (err) {
    if (err instanceof DomainError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

if (require.main === module) void main();
