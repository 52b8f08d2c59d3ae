// The write serializer's command counter with a real driver on the run's database: each database's commands are
// counted apart, as a benchmark needs to tell the backend's round trips from the sandbox's.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { startWriteSerializer, type WriteSerializer } from '../../tools/localdb/write-serializer';

const base = new URL(process.env.TEST_MONGODB_URI ?? 'mongodb://127.0.0.1:0/');
const local = base.hostname === '127.0.0.1' || base.hostname === 'localhost';
const suffix = randomBytes(4).toString('hex');
const backendDb = `counts_backend_${suffix}`;
const sandboxDb = `counts_sandbox_${suffix}`;

let proxy: WriteSerializer;
let client: mongoose.mongo.MongoClient;

beforeAll(async () => {
  if (!local) return;
  proxy = await startWriteSerializer(Number(base.port));
  client = await new mongoose.mongo.MongoClient(`mongodb://127.0.0.1:${proxy.port}/`, { directConnection: true }).connect();
});
afterAll(async () => {
  if (!local) return;
  await client.db(backendDb).dropDatabase();
  await client.db(sandboxDb).dropDatabase();
  await client.close();
  await proxy.close();
});

(local ? test : test.skip)('each database counts its own commands, one per driver operation', async () => {
  const orders = client.db(backendDb).collection('orders');
  const ledger = client.db(sandboxDb).collection('ledger');
  await orders.insertOne({ _id: 'o1' as never, status: 'PENDING' });
  await ledger.insertOne({ _id: 't1' as never, state: 'NOTPAY' });
  proxy.resetCommandCounts();

  await orders.findOne({ _id: 'o1' as never });
  await orders.updateOne({ _id: 'o1' as never, status: 'PENDING' }, { $set: { status: 'PAID' } });
  await orders.findOneAndUpdate({ _id: 'o1' as never }, { $set: { seen: true } });
  await ledger.updateOne({ _id: 't1' as never }, { $set: { state: 'SUCCESS' } });
  await ledger.find({}).toArray();

  const counts = proxy.commandCounts();
  expect(counts[backendDb]).toBe(3);
  expect(counts[sandboxDb]).toBe(2);
  // Nothing else but driver housekeeping (heartbeats) on admin.
  expect(Object.keys(counts).filter((db) => db !== backendDb && db !== sandboxDb && db !== 'admin')).toEqual([]);
});
