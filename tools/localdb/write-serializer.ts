// A loopback TCP proxy in front of FerretDB that runs conditional writes on one document one at a time.
//
// Why: FerretDB 1.x evaluates findAndModify/update/delete as read-then-write without isolation, so concurrent
// conditional updates on one document all "succeed" and overwrite each other (measured: 10 concurrent
// `{balance: {$gte: 30}} -> $inc -30` on a balance of 100 gave 7 winners). MongoDB makes every
// single-document update atomic, and the whole design relies on that. The proxy restores the guarantee for the
// local and CI database; production MongoDB needs no proxy.
// Granularity: a write whose every statement names one document by an exact `_id` (the orders' and refunds'
// conditional updates: `{_id, status: ...}`) holds that document, and the collection shared; any other
// conditional write (a filter without `_id`, `multi`, an index or drop command) holds the whole collection.
// Writes to different orders then run side by side, as they do on MongoDB (one lock per collection made every
// payment wait for every other: in the orders bench, cashier pay -> PAID p50 465-481 ms with it, 159 ms with
// document locks).
// Inserts are one SQL INSERT (unique indexes are SQLite constraints), atomic already: they pass unserialized.
// Since every command passes through here, the proxy also counts them per database (commandCounts), so a
// benchmark can report database round trips per operation for each process that has its own database.
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

/** Bytes a top-level BSON value of `type` takes at `off`, or undefined for a type this reader does not know. */
function bsonValueSize(doc: Buffer, type: number, off: number): number | undefined {
  switch (type) {
    case 0x01: // double
    case 0x09: // UTC datetime
    case 0x11: // timestamp
    case 0x12: // int64
      return 8;
    case 0x02: // string
    case 0x0d: // JavaScript code
    case 0x0e: // symbol
      return 4 + doc.readInt32LE(off);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return doc.readInt32LE(off);
    case 0x05: // binary: length, subtype, bytes
      return 5 + doc.readInt32LE(off);
    case 0x06: // undefined
    case 0x0a: // null
    case 0x7f: // max key
    case 0xff: // min key
      return 0;
    case 0x07: // ObjectId
      return 12;
    case 0x08: // boolean
      return 1;
    case 0x0b: {
      // regex: two C strings
      const end = doc.indexOf(0, doc.indexOf(0, off) + 1);
      return end < 0 ? undefined : end + 1 - off;
    }
    case 0x0c: // DBPointer
      return 4 + doc.readInt32LE(off) + 12;
    case 0x10: // int32
      return 4;
    case 0x13: // decimal128
      return 16;
    default:
      return undefined;
  }
}

export interface Command {
  /** The command's name as sent (`find`, `update`, `findAndModify`, ...). */
  name: string;
  /** The database it runs in (`$db`), '' when absent. */
  db: string;
  /** The command's own value when it is a string: the collection for collection commands. */
  target: string | undefined;
}

/**
 * The command an OP_MSG carries, read from the top level of its body without decoding nested documents
 * (inserts carry their documents in the body, and every message passes through here). Undefined for other
 * opcodes and malformed messages.
 */
export function commandOf(msg: Buffer): Command | undefined {
  if (msg.length < 21 || msg.readInt32LE(12) !== OP_MSG) return undefined;
  let off = 20; // header (16) + flagBits (4)
  while (off < msg.length) {
    const kind = msg[off];
    if (kind === 1) {
      // A document sequence (e.g. insert's documents): skip to the next section.
      off += 1 + msg.readInt32LE(off + 1);
      continue;
    }
    if (kind !== 0) return undefined;
    try {
      const start = off + 1;
      const end = start + msg.readInt32LE(start) - 1; // the document's trailing 0
      let p = start + 4;
      let name: string | undefined;
      let target: string | undefined;
      let db = '';
      while (p < end) {
        const type = msg[p]!;
        const keyEnd = msg.indexOf(0, p + 1);
        if (keyEnd < 0 || keyEnd >= end) return undefined;
        const key = msg.toString('latin1', p + 1, keyEnd);
        const valueAt = keyEnd + 1;
        if (name === undefined) {
          name = key;
          if (type === 0x02) target = msg.toString('utf8', valueAt + 4, valueAt + 4 + msg.readInt32LE(valueAt) - 1);
        } else if (key === '$db' && type === 0x02) {
          db = msg.toString('utf8', valueAt + 4, valueAt + 4 + msg.readInt32LE(valueAt) - 1);
        }
        const size = bsonValueSize(msg, type, valueAt);
        if (size === undefined) break; // an unknown type: keep what was read so far
        p = valueAt + size;
      }
      return name === undefined ? undefined : { name, db, target };
    } catch {
      return undefined; // a length pointing past the message
    }
  }
  return undefined;
}

/**
 * What a conditional write must hold: `collection` (`db.collection`) and, when every statement names one
 * document by an exact `_id`, those documents (`docs`, with the collection shared); without `docs` the whole
 * collection. Undefined for anything else (reads, inserts, other opcodes).
 */
export interface WriteLock {
  collection: string;
  docs?: string[];
}

export function writeLockOf(msg: Buffer): WriteLock | undefined {
  return lockOf(commandOf(msg), msg);
}

function lockOf(command: Command | undefined, msg: Buffer): WriteLock | undefined {
  const name = command?.name.toLowerCase();
  if (!command || !name || !SERIALIZED_COMMANDS.has(name)) return undefined;
  const collection = `${command.db}.${command.target ?? '*'}`;
  const docs = documentsNamed(msg, name);
  return docs ? { collection, docs } : { collection };
}

/**
 * The `_id`s an update, delete or findAndModify is confined to, or undefined when any of its statements could
 * touch a document it does not name by an exact `_id` (or the message cannot be read).
 */
function documentsNamed(msg: Buffer, name: string): string[] | undefined {
  let sections: Map<string, unknown[]>;
  try {
    sections = sectionsOf(msg);
  } catch {
    return undefined;
  }
  const body = sections.get('') as Record<string, unknown>[] | undefined;
  const statements: Array<{ filter: unknown; many: boolean }> = [];
  if (name === 'findandmodify') {
    statements.push({ filter: body?.[0]?.query, many: false });
  } else {
    const field = name === 'update' ? 'updates' : name === 'delete' ? 'deletes' : undefined;
    if (!field) return undefined; // index and drop commands: the whole collection
    const inBody = body?.[0]?.[field];
    const list = Array.isArray(inBody) ? inBody : (sections.get(field) ?? []);
    for (const st of list as Array<Record<string, unknown>>) {
      statements.push({ filter: st?.q, many: name === 'update' ? st?.multi === true : st?.limit === 0 });
    }
  }
  if (!statements.length) return undefined;
  const ids: string[] = [];
  for (const { filter, many } of statements) {
    const id = exactId(filter);
    // `many` with an exact `_id` still touches one document, but stays on the collection lock to keep this simple.
    if (id === undefined || many) return undefined;
    ids.push(id);
  }
  return [...new Set(ids)].sort();
}

/**
 * The filter's top-level `_id` as a lock key when it is an exact value that matches one document: an ObjectId, a
 * string or a number (1, 1.0 and Long 1 match the same document, hence one key). Anything else (an operator
 * document, an embedded document, a date) is undefined: the caller falls back to the collection lock.
 */
function exactId(filter: unknown): string | undefined {
  if (!filter || typeof filter !== 'object') return undefined;
  const id = (filter as Record<string, unknown>)._id;
  if (typeof id === 'string') return `s:${id}`;
  if (typeof id === 'number') return `n:${id}`;
  const bsonType = (id as { _bsontype?: string } | null)?._bsontype;
  if (bsonType === 'ObjectId') return `o:${(id as { toHexString(): string }).toHexString()}`;
  if (bsonType === 'Long' || bsonType === 'Int32' || bsonType === 'Double') return `n:${Number(String(id))}`;
  return undefined;
}

/** An OP_MSG's sections decoded: the body under '', each document sequence under its identifier. */
function sectionsOf(msg: Buffer): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  let off = 20;
  while (off < msg.length) {
    const kind = msg[off];
    if (kind === 0) {
      const len = msg.readInt32LE(off + 1);
      out.set('', [mongoose.mongo.BSON.deserialize(msg.subarray(off + 1, off + 1 + len))]);
      off += 1 + len;
    } else if (kind === 1) {
      const size = msg.readInt32LE(off + 1);
      const end = off + 1 + size;
      const idEnd = msg.indexOf(0, off + 5);
      const docs: unknown[] = [];
      for (let p = idEnd + 1; p < end; p += msg.readInt32LE(p)) {
        docs.push(mongoose.mongo.BSON.deserialize(msg.subarray(p, p + msg.readInt32LE(p))));
      }
      out.set(msg.toString('latin1', off + 5, idEnd), docs);
      off = end;
    } else {
      break; // a checksum or an unknown kind: nothing more to read
    }
  }
  return out;
}

/**
 * Conditional writes' locks: per collection, a lock that writes confined to named documents share and other
 * writes hold alone (granted in arrival order, so neither kind starves the other); per document, one holder at
 * a time. A document-confined write takes the collection's shared lock first, then its documents in sorted order.
 */
interface CollectionLock {
  shared: number;
  exclusive: boolean;
  waiting: Array<{ exclusive: boolean; grant: () => void }>;
}

class WriteLocks {
  private readonly collections = new Map<string, CollectionLock>();
  private readonly documents = new Map<string, Array<() => void>>(); // held keys -> their waiters

  async acquire(lock: WriteLock): Promise<() => void> {
    const exclusive = !lock.docs;
    await this.enterCollection(lock.collection, exclusive);
    const docKeys = (lock.docs ?? []).map((d) => `${lock.collection} ${d}`);
    for (const key of docKeys) await this.enterDocument(key);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of docKeys) this.leaveDocument(key);
      this.leaveCollection(lock.collection, exclusive);
    };
  }

  private enterCollection(name: string, exclusive: boolean): Promise<void> {
    let c = this.collections.get(name);
    if (!c) this.collections.set(name, (c = { shared: 0, exclusive: false, waiting: [] }));
    const lock = c;
    return new Promise<void>((resolve) => {
      lock.waiting.push({ exclusive, grant: resolve });
      this.grantCollection(lock);
    });
  }

  private grantCollection(c: CollectionLock): void {
    while (c.waiting.length && !c.exclusive) {
      const next = c.waiting[0]!;
      if (next.exclusive && c.shared > 0) return;
      c.waiting.shift();
      if (next.exclusive) c.exclusive = true;
      else c.shared++;
      next.grant();
    }
  }

  private leaveCollection(name: string, exclusive: boolean): void {
    const c = this.collections.get(name);
    if (!c) return;
    if (exclusive) c.exclusive = false;
    else c.shared--;
    this.grantCollection(c);
  }

  private enterDocument(key: string): Promise<void> {
    const waiters = this.documents.get(key);
    if (!waiters) {
      this.documents.set(key, []);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => waiters.push(resolve));
  }

  private leaveDocument(key: string): void {
    const waiters = this.documents.get(key);
    const next = waiters?.shift();
    if (next) next();
    else this.documents.delete(key);
  }
}

export interface WriteSerializer {
  port: number;
  /**
   * OP_MSG commands received since start (or the last reset), by the database they name (`$db`): a benchmark
   * can tell the backend's database round trips from the sandbox's, as each uses its own database. Driver
   * housekeeping (hello heartbeats, endSessions) counts under `admin`.
   */
  commandCounts(): Record<string, number>;
  /** The same, by `db command collection` (e.g. `backend update orders`): where the round trips go. */
  commandsByKind(): Record<string, number>;
  resetCommandCounts(): void;
  close(): Promise<void>;
}

export async function startWriteSerializer(upstreamPort: number): Promise<WriteSerializer> {
  const locks = new WriteLocks();
  let counts = new Map<string, number>();
  let kinds = new Map<string, number>();
  const sockets = new Set<Socket>();

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
        const command = commandOf(msg);
        if (command) {
          counts.set(command.db, (counts.get(command.db) ?? 0) + 1);
          const kind = `${command.db} ${command.name} ${command.target ?? ''}`.trimEnd();
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        }
        queue = queue.then(async () => {
          const lock = lockOf(command, msg);
          if (lock !== undefined) {
            const release = await locks.acquire(lock);
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
    commandsByKind: () => Object.fromEntries(kinds),
    resetCommandCounts: () => {
      counts = new Map();
      kinds = new Map();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
