// Starts one MongoDB-protocol server for the whole jest run (unless one is given); each test file then
// works in its own database (see ./db.ts). The server is tied to this process and stopped in teardown.
import { startLocalMongo } from '../../tools/localdb/server';

export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_MONGODB_URI) return;
  const db = await startLocalMongo({ log: (m) => process.stderr.write(`${m}\n`) });
  process.env.TEST_MONGODB_URI = db.uri;
  process.env.TEST_MONGODB_KIND = db.kind;
  (globalThis as { __LOCAL_MONGO__?: typeof db }).__LOCAL_MONGO__ = db;
}
