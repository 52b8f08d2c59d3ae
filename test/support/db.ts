// Each test file gets its own database on the run's server, dropped when the file is done.
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import type { Storage } from '../../server/src/domain/ports';
import { connectDatabase, createMongoStorage } from '../../server/src/storage/mongo';
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

/**
 * A test file's MongoDB storage (the repositories the backend uses), on a database of its own made at first use
 * and dropped after the file: for suites that run the same rules on memory and on the database.
 */
export function mongoStorageForFile(prefix: string): () => Promise<Storage> {
  const uri = testDatabaseUri(prefix);
  let db: Connection | undefined;
  afterAll(async () => {
    if (!db) return;
    await db.close();
    await dropDatabase(uri);
  });
  return async () => {
    db ??= await connectDatabase(uri);
    const storage = createMongoStorage(db);
    await storage.init();
    return storage;
  };
}
