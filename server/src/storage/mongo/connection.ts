// One mongoose connection per process (or per test), created explicitly so nothing relies on the global one.
import mongoose, { type Connection } from 'mongoose';

export async function connectDatabase(uri: string): Promise<Connection> {
  const conn = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 5000,
    // FerretDB 1.x has no multi-document transactions; all invariants are single-document updates.
    autoIndex: true,
  });
  await conn.asPromise();
  return conn;
}

export function databaseState(conn: Connection): 'connected' | 'connecting' | 'disconnected' {
  switch (conn.readyState) {
    case mongoose.ConnectionStates.connected:
      return 'connected';
    case mongoose.ConnectionStates.connecting:
      return 'connecting';
    default:
      return 'disconnected';
  }
}

/** A real round trip, not just the driver's idea of the socket. */
export async function pingDatabase(conn: Connection, timeoutMs = 2000): Promise<boolean> {
  if (!conn.db) return false;
  const ping = conn.db.admin().command({ ping: 1 });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('ping timeout')), timeoutMs).unref());
  try {
    await Promise.race([ping, timeout]);
    return true;
  } catch {
    return false;
  }
}
