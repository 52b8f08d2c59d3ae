// writeLockOf decides which wire messages the local FerretDB proxy runs one at a time: conditional writes, by
// document when each statement names one by `_id`, else by collection. Inserts are atomic in FerretDB already and
// pass. commandOf reads every message's command and
// `$db`, which the proxy counts per database.
import { createServer, connect, type Server, type Socket } from 'node:net';
import mongoose from 'mongoose';
import { commandOf, startWriteSerializer, writeLockOf } from '../../../tools/localdb/write-serializer';

function opMsg(body: Record<string, unknown>, sequence?: { id: string; docs: Record<string, unknown>[] }, opCode = 2013): Buffer {
  const parts: Buffer[] = [Buffer.from([0]), Buffer.from(mongoose.mongo.BSON.serialize(body))];
  if (sequence) {
    const docs = Buffer.concat(sequence.docs.map((d) => Buffer.from(mongoose.mongo.BSON.serialize(d))));
    const id = Buffer.from(`${sequence.id}\0`, 'latin1');
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + id.length + docs.length);
    // A kind-1 section first, as drivers may send it: the parser must skip it to find the body.
    parts.unshift(Buffer.from([1]), size, id, docs);
  }
  const payload = Buffer.concat(parts);
  const header = Buffer.alloc(20);
  header.writeInt32LE(20 + payload.length, 0);
  header.writeInt32LE(7, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(opCode, 12);
  header.writeInt32LE(0, 16);
  return Buffer.concat([header, payload]);
}

test('conditional writes lock their collection; inserts, reads and other opcodes lock nothing', () => {
  expect(writeLockOf(opMsg({ update: 'orders', updates: [], $db: 'shop' }))).toEqual({ collection: 'shop.orders' });
  expect(writeLockOf(opMsg({ findAndModify: 'refunds', query: {}, $db: 'shop' }))).toEqual({ collection: 'shop.refunds' });
  expect(writeLockOf(opMsg({ delete: 'orders', $db: 'ledger' }, { id: 'deletes', docs: [{ q: {}, limit: 1 }] }))).toEqual({
    collection: 'ledger.orders',
  });
  expect(writeLockOf(opMsg({ dropDatabase: 1, $db: 'shop' }))).toEqual({ collection: 'shop.*' });
  expect(writeLockOf(opMsg({ createIndexes: 'orders', indexes: [], $db: 'shop' }))).toEqual({ collection: 'shop.orders' });
  expect(writeLockOf(opMsg({ insert: 'orders', $db: 'ledger' }, { id: 'documents', docs: [{ a: 1 }] }))).toBeUndefined();
  expect(writeLockOf(opMsg({ find: 'orders', filter: { update: 1 }, $db: 'shop' }))).toBeUndefined();
  expect(writeLockOf(opMsg({ aggregate: 'orders', pipeline: [], $db: 'shop' }))).toBeUndefined();
  expect(writeLockOf(opMsg({ update: 'orders', $db: 'shop' }, undefined, 2004))).toBeUndefined();
});

test('a write whose every statement names one document by an exact _id locks only those documents', () => {
  const { ObjectId, Long, Double } = mongoose.mongo.BSON;
  const a = new ObjectId();
  const b = new ObjectId();
  const lock = (body: Record<string, unknown>, sequence?: { id: string; docs: Record<string, unknown>[] }) =>
    writeLockOf(opMsg(body, sequence));
  // The repositories' conditional updates: _id and a guard.
  expect(
    lock({ findAndModify: 'orders', query: { _id: a, status: { $in: ['PENDING'] } }, update: { $set: { s: 1 } }, $db: 'shop' }),
  ).toEqual({
    collection: 'shop.orders',
    docs: [`o:${a.toHexString()}`],
  });
  // updates in the body or as a document sequence; several statements lock their documents, once each, sorted.
  const both = [`o:${a.toHexString()}`, `o:${b.toHexString()}`].sort();
  expect(
    lock({
      update: 'orders',
      updates: [
        { q: { _id: b }, u: {} },
        { q: { _id: a, v: 1 }, u: {} },
        { q: { _id: b }, u: {} },
      ],
      $db: 's',
    })?.docs,
  ).toEqual(both);
  expect(
    lock(
      { update: 'orders', $db: 's' },
      {
        id: 'updates',
        docs: [
          { q: { _id: a }, u: {} },
          { q: { _id: b }, u: {} },
        ],
      },
    )?.docs,
  ).toEqual(both);
  expect(lock({ delete: 'orders', $db: 's' }, { id: 'deletes', docs: [{ q: { _id: 'k1' }, limit: 1 }] })?.docs).toEqual(['s:k1']);
  // 1, 1.0 and Long 1 match the same document: one key.
  expect(lock({ findAndModify: 'c', query: { _id: 1 }, $db: 's' })?.docs).toEqual(['n:1']);
  expect(lock({ findAndModify: 'c', query: { _id: new Double(1) }, $db: 's' })?.docs).toEqual(['n:1']);
  expect(lock({ findAndModify: 'c', query: { _id: Long.fromNumber(1) }, $db: 's' })?.docs).toEqual(['n:1']);
  // Anything that may reach a document it does not name takes the whole collection.
  for (const body of [
    { findAndModify: 'orders', query: { outTradeNo: 'x' }, $db: 's' },
    { findAndModify: 'orders', query: { _id: { $in: [a] } }, $db: 's' },
    { findAndModify: 'orders', query: { _id: { k: 1 } }, $db: 's' },
    { findAndModify: 'orders', $db: 's' },
    { update: 'orders', updates: [{ q: { _id: a }, u: {}, multi: true }], $db: 's' },
    {
      update: 'orders',
      updates: [
        { q: { _id: a }, u: {} },
        { q: { status: 'PAID' }, u: {} },
      ],
      $db: 's',
    },
    { delete: 'orders', deletes: [{ q: { _id: a }, limit: 0 }], $db: 's' },
  ]) {
    expect(lock(body)).toEqual({ collection: `s.${body.findAndModify ?? body.update ?? body.delete}` });
  }
});

test('commandOf reads the name, the collection and $db past values of every kind, without the documents', () => {
  const { ObjectId, Long, Decimal128, Binary, Timestamp, BSONRegExp, MinKey, MaxKey, Double, Int32 } = mongoose.mongo.BSON;
  const body = {
    insert: 'orders',
    documents: [{ _id: new ObjectId(), amount: 100, nested: { deep: [1, 2, { x: 'y' }] } }],
    ordered: true,
    n: null,
    d: new Double(1.5),
    i: new Int32(3),
    l: Long.fromNumber(7),
    dec: Decimal128.fromString('1.10'),
    bin: new Binary(Buffer.from('abc')),
    ts: new Timestamp({ t: 1, i: 2 }),
    re: new BSONRegExp('^a', 'i'),
    at: new Date(0),
    oid: new ObjectId(),
    min: new MinKey(),
    max: new MaxKey(),
    lsid: { id: new Binary(Buffer.alloc(16), 4) },
    $db: 'shop_backend',
  };
  expect(commandOf(opMsg(body))).toEqual({ name: 'insert', db: 'shop_backend', target: 'orders' });
  expect(commandOf(opMsg({ ping: 1, $db: 'admin' }))).toEqual({ name: 'ping', db: 'admin', target: undefined });
  expect(commandOf(opMsg({ find: 'refunds', $db: 'ledger' }, { id: 'x', docs: [{ a: 1 }] }))).toMatchObject({ name: 'find', db: 'ledger' });
  expect(commandOf(opMsg({ find: 'orders', $db: 'shop' }, undefined, 2004))).toBeUndefined();
  expect(commandOf(opMsg({ find: 'orders', $db: 'shop' }).subarray(0, 24))).toBeUndefined();
});

describe('command counts', () => {
  let upstream: Server;
  const received: Buffer[] = [];
  const accepted: Socket[] = [];
  beforeAll(async () => {
    // A stand-in database that takes every message and never answers: the count is of what clients send.
    upstream = createServer((s) => {
      accepted.push(s);
      s.on('data', (chunk) => received.push(chunk));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of accepted) s.destroy();
    await new Promise((r) => upstream.close(r));
  });

  test('every command is counted under its $db, across connections, until reset', async () => {
    const port = (upstream.address() as { port: number }).port;
    const proxy = await startWriteSerializer(port);
    const send = async (msgs: Buffer[]) => {
      const sock = connect(proxy.port, '127.0.0.1');
      await new Promise<void>((r) => sock.once('connect', () => r()));
      // One write holding several messages, the last split in two: the counter works on whole messages.
      const all = Buffer.concat(msgs);
      sock.write(all.subarray(0, all.length - 5));
      await new Promise((r) => setTimeout(r, 20));
      sock.write(all.subarray(all.length - 5));
      return sock;
    };
    try {
      const a = await send([
        opMsg({ find: 'orders', $db: 'backend' }),
        opMsg({ insert: 'orders', $db: 'backend' }, { id: 'documents', docs: [{ a: 1 }] }),
        opMsg({ findAndModify: 'orders', query: {}, $db: 'backend' }),
        opMsg({ update: 'orders', $db: 'sandbox' }),
        opMsg({ hello: 1, $db: 'admin' }),
        opMsg({ find: 'orders', $db: 'backend' }, undefined, 2004), // OP_QUERY: not an OP_MSG command
      ]);
      const b = await send([opMsg({ aggregate: 'ledger', pipeline: [], $db: 'sandbox' })]);
      await waitFor(() => proxy.commandCounts().sandbox === 2);
      expect(proxy.commandCounts()).toEqual({ backend: 3, sandbox: 2, admin: 1 });
      proxy.resetCommandCounts();
      expect(proxy.commandCounts()).toEqual({});
      b.write(opMsg({ find: 'ledger', $db: 'sandbox' }));
      await waitFor(() => proxy.commandCounts().sandbox === 1);
      expect(proxy.commandCounts()).toEqual({ sandbox: 1 });
      a.destroy();
      b.destroy();
    } finally {
      await proxy.close();
    }
  });
});

describe('locks', () => {
  // A stand-in database that answers only when the test says so: what reaches it shows what the proxy let through.
  let upstream: Server;
  const arrived: Array<{ socket: Socket; msg: Buffer; tag: string }> = [];
  beforeAll(async () => {
    upstream = createServer((socket) => {
      socket.on('error', () => {}); // the proxy closing its side at the end
      socket.on('data', (chunk) => {
        // Each test message is small and written whole; tag: the `tag` field the test puts in each command.
        for (let off = 0; off < chunk.length; off += chunk.readInt32LE(off)) {
          const msg = chunk.subarray(off, off + chunk.readInt32LE(off));
          const body = mongoose.mongo.BSON.deserialize(msg.subarray(21));
          arrived.push({ socket, msg, tag: String(body.tag) });
        }
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const a of arrived) a.socket.destroy();
    await new Promise((r) => upstream.close(r));
  });

  const answer = (tag: string) => {
    const i = arrived.findIndex((a) => a.tag === tag);
    const { socket, msg } = arrived.splice(i, 1)[0]!;
    const reply = opMsg({ ok: 1 });
    reply.writeInt32LE(msg.readInt32LE(4), 8); // responseTo: the request's id
    socket.write(reply);
  };
  const tags = () => arrived.map((a) => a.tag).sort();

  test('writes to different documents pass together; one document, and the whole collection, wait their turn', async () => {
    const proxy = await startWriteSerializer((upstream.address() as { port: number }).port);
    const clients: Socket[] = [];
    const send = async (tag: string, body: Record<string, unknown>) => {
      const sock = connect(proxy.port, '127.0.0.1').on('error', () => {});
      clients.push(sock);
      await new Promise<void>((r) => sock.once('connect', () => r()));
      sock.write(opMsg({ ...body, tag, $db: 'shop' }));
    };
    const { ObjectId } = mongoose.mongo.BSON;
    const a = new ObjectId();
    const b = new ObjectId();
    try {
      await send('a1', { findAndModify: 'orders', query: { _id: a, status: 'PENDING' } });
      await send('b1', { update: 'orders', updates: [{ q: { _id: b }, u: { $set: { x: 1 } } }] });
      await waitFor(() => arrived.length === 2);
      expect(tags()).toEqual(['a1', 'b1']); // two orders at once
      await send('a2', { findAndModify: 'orders', query: { _id: a } });
      await send('all', { update: 'orders', updates: [{ q: { status: 'PENDING' }, u: {}, multi: true }] });
      await send('b2', { findAndModify: 'orders', query: { _id: b } }); // after the collection's write: behind it
      await send('other', { findAndModify: 'refunds', query: { status: 'X' } }); // another collection: free
      await waitFor(() => arrived.length === 3);
      await new Promise((r) => setTimeout(r, 50));
      expect(tags()).toEqual(['a1', 'b1', 'other']);
      answer('a1');
      await waitFor(() => arrived.length === 3 && tags().includes('a2'));
      expect(tags()).toEqual(['a2', 'b1', 'other']); // a's second write once its first was answered
      answer('b1');
      answer('a2');
      await waitFor(() => tags().includes('all'));
      await new Promise((r) => setTimeout(r, 50));
      expect(tags()).toEqual(['all', 'other']); // the collection's write alone
      answer('all');
      await waitFor(() => tags().includes('b2'));
      expect(tags()).toEqual(['b2', 'other']);
      answer('b2');
      answer('other');
    } finally {
      for (const c of clients) c.destroy();
      await proxy.close();
    }
  });
});

async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}
