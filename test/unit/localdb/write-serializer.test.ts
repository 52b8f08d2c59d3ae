// writeTarget decides which wire messages the local FerretDB proxy runs one at a time: conditional writes, by
// collection. Inserts are atomic in FerretDB already and pass. commandOf reads every message's command and
// `$db`, which the proxy counts per database.
import { createServer, connect, type Server, type Socket } from 'node:net';
import mongoose from 'mongoose';
import { commandOf, startWriteSerializer, writeTarget } from '../../../tools/localdb/write-serializer';

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

test('conditional writes name their collection; inserts, reads and other opcodes are not serialized', () => {
  expect(writeTarget(opMsg({ update: 'orders', updates: [], $db: 'shop' }))).toBe('shop.orders');
  expect(writeTarget(opMsg({ findAndModify: 'refunds', query: {}, $db: 'shop' }))).toBe('shop.refunds');
  expect(writeTarget(opMsg({ delete: 'orders', $db: 'ledger' }, { id: 'deletes', docs: [{ q: {}, limit: 1 }] }))).toBe('ledger.orders');
  expect(writeTarget(opMsg({ dropDatabase: 1, $db: 'shop' }))).toBe('shop.*');
  expect(writeTarget(opMsg({ insert: 'orders', $db: 'ledger' }, { id: 'documents', docs: [{ a: 1 }] }))).toBeUndefined();
  expect(writeTarget(opMsg({ find: 'orders', filter: { update: 1 }, $db: 'shop' }))).toBeUndefined();
  expect(writeTarget(opMsg({ aggregate: 'orders', pipeline: [], $db: 'shop' }))).toBeUndefined();
  expect(writeTarget(opMsg({ update: 'orders', $db: 'shop' }, undefined, 2004))).toBeUndefined();
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

async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}
