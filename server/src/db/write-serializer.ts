// A loopback TCP proxy in front of FerretDB that runs conditional writes one at a time per collection.
//
// Why: FerretDB 1.x evaluates findAndModify/update/delete as read-then-write without isolation, so concurrent
// conditional updates on one document all "succeed" and overwrite each other (measured: 10 concurrent
// `{balance: {$gte: 30}} -> $inc -30` on a balance of 100 gave 7 winners). MongoDB makes every
// single-document update atomic, and the whole design relies on that. Serializing those commands per
// collection restores the guarantee for the local and CI database; production MongoDB needs no proxy.
// Inserts are one SQL INSERT (unique indexes are SQLite constraints), atomic already: they pass unserialized.
import { createServer, connect, type Server, type Socket } from 'node:net';
import mongoose from 'mongoose';

const OP_MSG = 2013;
const SERIALIZED_COMMANDS = new Set(['update', 'delete', 'findandmodify', 'createindexes', 'dropindexes', 'drop', 'dropdatabase']);
const RELEASE_AFTER_MS = 30000;

/** Splits a byte stream into whole wire-protocol messages. */
class MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readInt32LE(0);
      if (len < 16 || this.buf.length < len) break;
      out.push(this.buf.subarray(0, len));
      this.buf = this.buf.subarray(len);
    }
    return out;
  }
}

/**
 * The lock a command must hold: `db.collection` for a conditional write (or index/drop command), undefined
 * for anything else (reads, inserts, other opcodes).
 */
export function writeTarget(msg: Buffer): string | undefined {
  if (msg.readInt32LE(12) !== OP_MSG) return undefined;
  let off = 20; // header (16) + flagBits (4)
  while (off < msg.length) {
    const kind = msg[off];
    if (kind === 0) {
      const size = msg.readInt32LE(off + 1);
      // The command is the body's first element; read its name before paying for a full decode (most
      // messages are reads).
      const nameStart = off + 1 + 4 + 1; // section kind, document size, element type
      const nameEnd = msg.indexOf(0, nameStart);
      if (nameEnd < 0) return undefined;
      const command = msg.toString('latin1', nameStart, nameEnd).toLowerCase();
      if (!SERIALIZED_COMMANDS.has(command)) return undefined;
      const body = mongoose.mongo.BSON.deserialize(msg.subarray(off + 1, off + 1 + size)) as Record<string, unknown>;
      const db = typeof body.$db === 'string' ? body.$db : '';
      const target = Object.values(body)[0];
      return `${db}.${typeof target === 'string' ? target : '*'}`;
    }
    if (kind === 1) {
      off += 1 + msg.readInt32LE(off + 1);
      continue;
    }
    return undefined;
  }
  return undefined;
}

class Mutex {
  private tail: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const acquired = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return acquired;
  }
}

/**
 * The database a client message addresses (`$db` of an OP_MSG command), read without decoding the body.
 * Undefined for other opcodes.
 */
export function messageDatabase(msg: Buffer): string | undefined {
  if (msg.length < 21 || msg.readInt32LE(12) !== OP_MSG) return undefined;
  // `$db` is a string element (type 0x02) of the command document: `02 '$db' 00 <int32 length> <bytes> 00`.
  const at = msg.indexOf(DB_ELEMENT, 20);
  if (at < 0 || at + DB_ELEMENT.length + 4 > msg.length) return undefined;
  const len = msg.readInt32LE(at + DB_ELEMENT.length);
  const start = at + DB_ELEMENT.length + 4;
  if (len < 1 || start + len > msg.length) return undefined;
  return msg.toString('utf8', start, start + len - 1);
}
const DB_ELEMENT = Buffer.from([0x02, 0x24, 0x64, 0x62, 0x00]); // type string, "$db", NUL

/** Commands seen per database name, over every serializer in this process (see `commandCounts`). */
const processCounts = new Map<string, number>();

/** Commands (OP_MSG requests) that passed any write serializer of this process, by database name. */
export function commandCounts(): Record<string, number> {
  return Object.fromEntries(processCounts);
}

/** Starts the counts of `commandCounts` again from zero. */
export function resetCommandCounts(): void {
  processCounts.clear();
}

export interface WriteSerializer {
  port: number;
  /** Commands (OP_MSG requests) that passed this serializer, by database name. */
  commandCounts(): Record<string, number>;
  resetCommandCounts(): void;
  close(): Promise<void>;
}

export async function startWriteSerializer(upstreamPort: number): Promise<WriteSerializer> {
  const locks = new Map<string, Mutex>();
  const counts = new Map<string, number>();
  const count = (msg: Buffer) => {
    const db = messageDatabase(msg);
    if (db === undefined) return;
    counts.set(db, (counts.get(db) ?? 0) + 1);
    processCounts.set(db, (processCounts.get(db) ?? 0) + 1);
  };
  const sockets = new Set<Socket>();
  const lockFor = (key: string) => {
    let m = locks.get(key);
    if (!m) locks.set(key, (m = new Mutex()));
    return m;
  };

  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const fromClient = new MessageReader();
    const fromUpstream = new MessageReader();
    const pending = new Map<number, () => void>(); // requestID -> release of the lock it holds
    let queue: Promise<void> = Promise.resolve(); // keeps this connection's messages in order

    const closeBoth = () => {
      for (const release of pending.values()) release();
      pending.clear();
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);

    client.on('data', (chunk) => {
      for (const msg of fromClient.push(chunk)) {
        count(msg);
        queue = queue.then(async () => {
          const key = writeTarget(msg);
          if (key !== undefined) {
            const release = await lockFor(key).lock();
            // The client went away while this write waited (e.g. a killed process): do not hold the lock
            // for a connection nobody will answer on.
            if (client.destroyed || upstream.destroyed) {
              release();
              return;
            }
            const timer = setTimeout(release, RELEASE_AFTER_MS);
            timer.unref();
            pending.set(msg.readInt32LE(4), () => {
              clearTimeout(timer);
              release();
            });
          }
          if (!upstream.destroyed) upstream.write(msg);
        });
      }
    });
    upstream.on('data', (chunk) => {
      for (const msg of fromUpstream.push(chunk)) {
        client.write(msg);
        const responseTo = msg.readInt32LE(8);
        const release = pending.get(responseTo);
        if (release) {
          pending.delete(responseTo);
          release();
        }
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    commandCounts: () => Object.fromEntries(counts),
    resetCommandCounts: () => counts.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
