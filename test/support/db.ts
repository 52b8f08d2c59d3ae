// Each test file gets its own database on the run's server, dropped when the file is done.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { databaseUri } from '../../tools/localdb/server';

export function testDatabaseUri(prefix = 't'): string {
  const base = process.env.TEST_MONGODB_URI;
  if (!base) throw new Error('TEST_MONGODB_URI is not set: run tests through jest (its globalSetup starts a database)');
  return databaseUri(base, `${prefix}_${randomBytes(6).toString('hex')}`);
}

/** Drops the database behind `uri` (best effort: a test's own failure matters more than cleanup). */
export async function dropDatabase(uri: string): Promise<void> {
  const conn = await mongoose.createConnection(uri).asPromise();
  try {
    await conn.dropDatabase();
  } finally {
    await conn.close();
  }
}
