// writeTarget decides which wire messages the local FerretDB proxy runs one at a time: conditional writes, by
// collection. Inserts are atomic in FerretDB already and pass.
import mongoose from 'mongoose';
import { writeTarget } from '../../../server/src/db/write-serializer';

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
