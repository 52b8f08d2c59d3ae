// The local FerretDB is built with a patch that lets SQLite narrow a query by `_id` and by indexed top-level
// fields (tools/localdb/ferretdb/sqlite-pushdown.patch). A narrowing must never change a result: these queries mix
// pushed-down keys with keys that are not, values that are not pushed down, arrays and operators.
import type { Connection, Model } from 'mongoose';
import { Schema, Types } from 'mongoose';
import { connectDatabase } from '../../server/src/storage/mongo/connection';
import { dropDatabase, testDatabaseUri } from '../support/db';

const uri = testDatabaseUri('pushdown');
let conn: Connection;

interface ThingDoc {
  _id: Types.ObjectId;
  owner: string;
  key: string;
  status: string;
  ref?: Types.ObjectId;
  tags: string[];
  done: boolean;
  n: number;
}
const schema = new Schema<ThingDoc>({
  owner: String,
  key: String,
  status: String,
  ref: Schema.Types.ObjectId,
  tags: [String],
  done: Boolean,
  n: Number,
});
schema.index({ owner: 1, key: 1 }, { unique: true });
schema.index({ status: 1 });
schema.index({ ref: 1 });
schema.index({ done: 1, n: 1 });
let Thing: Model<ThingDoc>;
const ref = new Types.ObjectId();
let first: ThingDoc;

beforeAll(async () => {
  conn = await connectDatabase(uri);
  Thing = conn.model<ThingDoc>('Thing', schema);
  await Thing.init();
  await Thing.insertMany(
    Array.from({ length: 60 }, (_, i) => ({
      owner: `o${i % 3}`,
      key: i === 7 ? 'we"ird\\key<é>' : `k${i}`,
      status: i % 2 ? 'PAID' : 'PENDING',
      ref: i === 5 ? ref : new Types.ObjectId(),
      tags: i === 9 ? ['x', 'y'] : [],
      done: i % 5 === 0,
      n: i,
    })),
  );
  first = (await Thing.findOne({ n: 0 }).lean<ThingDoc>())!;
});
afterAll(async () => {
  await conn.close();
  await dropDatabase(uri);
});

const ns = (docs: { n: number }[]) => docs.map((d) => d.n).sort((a, b) => a - b);

test('_id with other keys: the other keys still decide', async () => {
  expect(await Thing.findOne({ _id: first._id, status: 'PENDING' }).lean()).toMatchObject({ n: 0 });
  expect(await Thing.findOne({ _id: first._id, status: 'PAID' }).lean()).toBeNull();
  expect(await Thing.findOne({ _id: first._id, n: { $gt: 0 } }).lean()).toBeNull();
});

test('a conditional update by _id and status moves the document once', async () => {
  const a = await Thing.updateOne({ _id: first._id, status: 'PENDING' }, { $set: { status: 'CLOSED' } });
  const b = await Thing.updateOne({ _id: first._id, status: 'PENDING' }, { $set: { status: 'CLOSED' } });
  expect([a.modifiedCount, b.modifiedCount]).toEqual([1, 0]);
  await Thing.updateOne({ _id: first._id }, { $set: { status: 'PENDING' } });
});

test('equality on indexed fields, alone and together, finds exactly the matching documents', async () => {
  expect(ns(await Thing.find({ owner: 'o1' }).lean())).toEqual(Array.from({ length: 20 }, (_, i) => i * 3 + 1));
  expect(ns(await Thing.find({ owner: 'o1', key: 'k4' }).lean())).toEqual([4]);
  expect(ns(await Thing.find({ owner: 'o2', key: 'k4' }).lean())).toEqual([]);
  expect(ns(await Thing.find({ status: 'PAID', n: { $lt: 6 } }).lean())).toEqual([1, 3, 5]);
  expect(ns(await Thing.find({ ref }).lean())).toEqual([5]);
  expect(ns(await Thing.find({ done: true, n: { $lt: 12 } }).lean())).toEqual([0, 5, 10]);
  expect(await Thing.countDocuments({ done: false })).toBe(48);
});

test('values and fields that are not pushed down are still matched', async () => {
  expect(ns(await Thing.find({ owner: 'o1', key: 'we"ird\\key<é>' }).lean())).toEqual([7]);
  expect(ns(await Thing.find({ tags: 'x' }).lean())).toEqual([9]);
  expect(ns(await Thing.find({ status: { $in: ['PAID'] }, n: { $lt: 4 } }).lean())).toEqual([1, 3]);
  expect(ns(await Thing.find({ owner: 'o0', $or: [{ n: 3 }, { n: 6 }] }).lean())).toEqual([3, 6]);
  expect(await Thing.countDocuments({ status: 'PENDING' })).toBe(30);
  expect(ns(await Thing.find({ ref: { $in: [ref, new Types.ObjectId()] } }).lean())).toEqual([5]);
  expect(ns(await Thing.find({ owner: { $in: ['o1', 'o2'] }, key: { $in: ['k4', 'k5', 'k6'] } }).lean())).toEqual([4, 5]);
  expect(ns(await Thing.find({ owner: { $in: ['o0', 'we"ird'] }, n: { $lt: 7 } }).lean())).toEqual([0, 3, 6]);
  expect(ns(await Thing.find({ status: { $in: ['PAID'], $nin: ['x'] }, n: { $lt: 4 } }).lean())).toEqual([1, 3]);
  expect(ns(await Thing.find({ _id: { $in: [first._id] } }).lean())).toEqual([0]);
});

test('an indexed equality is read from the index on FerretDB', async () => {
  if (process.env.TEST_MONGODB_KIND !== 'ferretdb') return; // a real mongod plans queries its own way
  const explain = async (filter: Record<string, unknown>) =>
    (await conn.db!.command({ explain: { find: 'things', filter } })) as { filterPushdown?: boolean; queryPlanner?: { Plan?: string[] } };
  const byKey = await explain({ owner: 'o1', key: 'k4' });
  expect(byKey.filterPushdown).toBe(true);
  expect(JSON.stringify(byKey.queryPlanner)).toMatch(/USING INDEX/);
  // By _id: the expression must be the one the _id index is built on, or SQLite scans the whole table.
  const byId = await explain({ _id: first._id, status: 'PENDING' });
  expect(byId.filterPushdown).toBe(true);
  expect(JSON.stringify(byId.queryPlanner)).toMatch(/USING INDEX/);
  const byFlag = await explain({ done: false, n: { $lte: 3 } });
  expect(byFlag.filterPushdown).toBe(true);
  expect(JSON.stringify(byFlag.queryPlanner)).toMatch(/USING INDEX/);
  const byRefs = await explain({ ref: { $in: [ref, new Types.ObjectId()] } });
  expect(byRefs.filterPushdown).toBe(true);
  expect(JSON.stringify(byRefs.queryPlanner)).toMatch(/USING INDEX/);
  expect((await explain({ tags: 'x' })).filterPushdown).toBe(false);
  // String ids as the sandbox makes them ("<merchant>|<out_trade_no>"), alone and in a list.
  const ids = conn.db!.collection<{ _id: string; n: number }>('ids');
  await ids.insertMany([
    { _id: '1900|M1', n: 1 },
    { _id: '1900|M2', n: 2 },
    { _id: 'a"b', n: 3 },
  ]);
  const plan = async (filter: Record<string, unknown>) =>
    JSON.stringify(((await conn.db!.command({ explain: { find: 'ids', filter } })) as { queryPlanner?: unknown }).queryPlanner);
  expect(await plan({ _id: '1900|M1' })).toMatch(/USING INDEX/);
  expect(await plan({ _id: { $in: ['1900|M1', '1900|M3'] } })).toMatch(/USING INDEX/);
  expect((await ids.find({ _id: { $in: ['1900|M1', '1900|M3', 'a"b'] } }).toArray()).map((d) => d.n).sort()).toEqual([1, 3]);
  expect((await ids.findOne({ _id: 'a"b' }))?.n).toBe(3);
});
