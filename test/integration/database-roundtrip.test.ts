// A real round trip on the MongoDB-protocol server the run provides (FerretDB locally and in CI).
import type { Connection, Model } from 'mongoose';
import { Schema } from 'mongoose';
import { connectDatabase, pingDatabase } from '../../server/src/storage/mongo/connection';
import { isDuplicateKeyError } from '../../server/src/storage/mongo/errors';
import { dropDatabase, testDatabaseUri } from '../support/db';

const uri = testDatabaseUri('roundtrip');
let conn: Connection;

const accountSchema = new Schema<AccountDoc>({
  key: { type: String, required: true, unique: true },
  balance: { type: Number, required: true },
  version: Number,
});
interface AccountDoc {
  key: string;
  balance: number;
  version?: number;
}
const Account = () => (conn.models.Account as Model<AccountDoc>) ?? conn.model<AccountDoc>('Account', accountSchema);

beforeAll(async () => {
  conn = await connectDatabase(uri);
  await Account().init();
});
afterAll(async () => {
  await conn.close();
  await dropDatabase(uri);
});

test('ping reaches the server', async () => {
  expect(await pingDatabase(conn)).toBe(true);
});

test('insert then read back', async () => {
  await Account().create({ key: 'a1', balance: 100, version: 0 });
  const found = await Account().findOne({ key: 'a1' }).lean();
  expect(found).toMatchObject({ key: 'a1', balance: 100 });
});

test('a unique-index violation is recognised as a duplicate key', async () => {
  await Account().create({ key: 'dup', balance: 1, version: 0 });
  const err = await Account()
    .create({ key: 'dup', balance: 2, version: 0 })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(isDuplicateKeyError(err)).toBe(true);
  expect(isDuplicateKeyError(new Error('other'))).toBe(false);
  expect(await Account().countDocuments({ key: 'dup' })).toBe(1);
});

test('of concurrent inserts of one unique key, exactly one succeeds', async () => {
  const attempts = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) => Account().create({ key: 'once', balance: i, version: 0 })),
  );
  expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
  expect(attempts.filter((a) => a.status === 'rejected').map((a) => isDuplicateKeyError((a as PromiseRejectedResult).reason))).toEqual(
    Array(9).fill(true),
  );
});

test('a conditional atomic update: of concurrent debits that overdraw, only those that fit succeed', async () => {
  await Account().create({ key: 'race', balance: 100, version: 0 });
  const debit = (amount: number) =>
    Account().findOneAndUpdate(
      { key: 'race', balance: { $gte: amount } },
      { $inc: { balance: -amount, version: 1 } },
      { returnDocument: 'after' },
    );
  const results = await Promise.all(Array.from({ length: 20 }, () => debit(30)));
  const winners = results.filter((r) => r !== null);
  expect(winners).toHaveLength(3);
  const final = await Account().findOne({ key: 'race' }).lean();
  expect(final?.balance).toBe(10);
  expect(final?.version).toBe(3);
});

test('by _id, as the repositories update: of concurrent debits, only those that fit succeed, on every document', async () => {
  // Locally each document's conditional writes run one at a time while different documents' run together
  // (tools/localdb/write-serializer.ts): three accounts, each debited 20 times at once, interleaved.
  const accounts = await Account().create([0, 1, 2].map((i) => ({ key: `race-id-${i}`, balance: 100, version: 0 })));
  const debit = (id: unknown, amount: number) =>
    Account().findOneAndUpdate(
      { _id: id, balance: { $gte: amount } },
      { $inc: { balance: -amount, version: 1 } },
      { returnDocument: 'after' },
    );
  const credit = (id: unknown) => Account().updateOne({ _id: id, balance: { $lt: 10 } }, { $inc: { balance: 1000 } });
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => accounts.map((a) => (i === 10 ? credit(a._id) : debit(a._id, 30)))).flat(),
  );
  expect(results.filter((r) => r !== null && !('acknowledged' in r))).toHaveLength(accounts.length * 3);
  for (const a of accounts) {
    const final = await Account().findById(a._id).lean();
    expect(final?.balance).toBe(10);
    expect(final?.version).toBe(3);
  }
});
