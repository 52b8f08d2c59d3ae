// Two instances running the jobs at once: per-document claims never give one order to both, and a lease has
// one holder at a time (a crashed holder's lease expires).
import type { Connection } from 'mongoose';
import { connectDatabase } from '../../../server/src/storage/mongo/connection';
import { mongoLeases } from '../../../server/src/storage/mongo/leases';
import { orderModel, type OrderModel } from '../../../server/src/storage/mongo/models/order';
import { mongoOrders } from '../../../server/src/storage/mongo/orders';
import { dropDatabase, testDatabaseUri } from '../../support/db';

const uri = testDatabaseUri('claims');
let a: Connection;
let b: Connection;
let OrderA: OrderModel;

beforeAll(async () => {
  [a, b] = await Promise.all([connectDatabase(uri), connectDatabase(uri)]);
  OrderA = orderModel(a);
  await OrderA.init();
});
afterAll(async () => {
  await a.close();
  await b.close();
  await dropDatabase(uri);
});

test('concurrent claims from two instances split the due orders with no overlap', async () => {
  const now = new Date();
  await OrderA.insertMany(
    Array.from({ length: 30 }, (_, i) => ({
      outTradeNo: `C${i}`,
      customerOpenid: 'o',
      clientRequestId: `claim-${i}`,
      items: [],
      description: 'x',
      total: 100,
      currency: 'HKD',
      expiresAt: new Date(now.getTime() + 60_000),
      nextSyncAt: new Date(now.getTime() - 1000),
    })),
  );
  const claim = (conn: Connection, owner: string) => mongoOrders(conn).claimDue('pending', { now, claimMs: 30_000, owner, limit: 30 });
  const [x, y] = await Promise.all([claim(a, 'a'), claim(b, 'b')]);
  const ids = [...x, ...y].map((o) => o.outTradeNo);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(30);
  const docs = await OrderA.find({}).lean();
  expect(docs.every((d) => d.syncAttempts === 1 && d.nextSyncAt!.getTime() === now.getTime() + 30_000)).toBe(true);
  // Nothing is due any more until the claim expires.
  expect(await claim(a, 'a')).toHaveLength(0);
  const later = await mongoOrders(b).claimDue('pending', {
    now: new Date(now.getTime() + 31_000),
    claimMs: 30_000,
    owner: 'b',
    limit: 100,
  });
  expect(later).toHaveLength(30);
});

test('a lease has one holder; it can be renewed by its holder and taken over once expired', async () => {
  const lease = (conn: Connection, owner: string) => {
    const store = mongoLeases(conn);
    return { acquire: (ms: number, now: Date) => store.acquire('job:test', owner, now, new Date(now.getTime() + ms)) };
  };
  const la = lease(a, 'a');
  const lb = lease(b, 'b');
  const t0 = new Date();
  const both = await Promise.all([la.acquire(10_000, t0), lb.acquire(10_000, t0)]);
  expect(both.filter(Boolean)).toHaveLength(1);
  const [holder, other] = both[0] ? [la, lb] : [lb, la];
  expect(await holder.acquire(10_000, new Date(t0.getTime() + 5_000))).toBe(true);
  expect(await other.acquire(10_000, new Date(t0.getTime() + 9_000))).toBe(false);
  expect(await other.acquire(10_000, new Date(t0.getTime() + 16_000))).toBe(true);
  expect(await holder.acquire(10_000, new Date(t0.getTime() + 17_000))).toBe(false);
});
