import type { Connection } from 'mongoose';
import { connectDatabase } from '../../../server/src/storage/mongo/connection';
import { orderModel, type OrderModel } from '../../../server/src/storage/mongo/models/order';
import { mongoOrders, newOrderDoc } from '../../../server/src/storage/mongo/orders';
import { moved, type NewOrder } from '../../../server/src/domain/ports/orders';
import { dropDatabase, testDatabaseUri } from '../../support/db';

const uri = testDatabaseUri('ordermodel');
let db: Connection;
let Order: OrderModel;

beforeAll(async () => {
  db = await connectDatabase(uri);
  Order = orderModel(db);
  await Order.init();
});
afterAll(async () => {
  await db.close();
  await dropDatabase(uri);
});

const base = (n: string, extra: Record<string, unknown> = {}) => ({
  outTradeNo: `T${n}`,
  customerOpenid: 'o_a',
  items: [{ sku: 'tea', name: { 'zh-HK': '茶', en: 'Tea' }, unitPrice: 100, quantity: 2, amount: 200 }],
  description: 'Tea',
  total: 200,
  currency: 'HKD',
  expiresAt: new Date(Date.now() + 60_000),
  ...extra,
});

test('outTradeNo is unique', async () => {
  await Order.create(base('1', { clientRequestId: 'req-00001' }));
  await expect(Order.create(base('1', { clientRequestId: 'req-00002' }))).rejects.toMatchObject({ code: 11000 });
});

test('clientRequestId is unique per customer', async () => {
  await Order.create(base('2', { clientRequestId: 'same-key-1' }));
  await expect(Order.create(base('3', { clientRequestId: 'same-key-1' }))).rejects.toMatchObject({ code: 11000 });
  await Order.create(base('4', { clientRequestId: 'same-key-1', customerOpenid: 'o_b' }));
  await Order.create(base('5', { source: 'pos', customerOpenid: 'pos:alice', clientRequestId: 'same-key-1' }));
  await expect(Order.create(base('6', { customerOpenid: 'o_a' }))).rejects.toThrow(/clientRequestId/);
});

test('defaults and rejected shapes', async () => {
  const o = await Order.create(base('7', { clientRequestId: 'k-0000007' }));
  expect(o.toObject()).toMatchObject({
    status: 'PENDING',
    refundable: 0,
    refundReserved: 0,
    refunded: 0,
    refundCount: 0,
    syncAttempts: 0,
    source: 'miniprogram',
  });
  await expect(Order.create(base('bad no!', { clientRequestId: 'k-0000008' }))).rejects.toThrow();
  await expect(Order.create(base('9', { total: 1.5, clientRequestId: 'k-0000009' }))).rejects.toThrow();
});

/** A new order as the domain hands it to the repository. */
const newOrder = (n: string, extra: Partial<NewOrder> = {}): NewOrder => ({
  ...(base(n) as Omit<NewOrder, 'clientRequestId' | 'source' | 'nextSyncAt'>),
  clientRequestId: `k-00000${n}`,
  source: 'miniprogram',
  ...extra,
});

test('the repository writes with the driver exactly what the schema would store, and the schema accepts it', async () => {
  const repo = mongoOrders(db);
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const id = repo.newId();
  const order = newOrder('10', {
    id,
    nextSyncAt: new Date(now.getTime() + 30_000),
    prepayId: 'wx_prepay_10',
    prepayExpiresAt: new Date(now.getTime() + 3600_000),
  });
  const written = await repo.insert(order, now);
  if (written === 'duplicate') throw new Error('unexpected duplicate');
  // Mongoose builds the same order from the same fields: every field, default and timestamp agrees.
  const viaMongoose = new Order({ ...order, _id: order.id, createdAt: now, updatedAt: now });
  await expect(viaMongoose.validate()).resolves.toBeUndefined();
  const stored = await db.collection('orders').findOne({ outTradeNo: 'T10' });
  const { _id, ...schemaShape } = viaMongoose.toObject();
  expect(String(stored!._id)).toBe(String(_id));
  expect({ ...stored, _id: String(stored!._id) }).toEqual({ ...schemaShape, _id: String(_id) });
  expect(written).toMatchObject({ id, status: 'PENDING', refundable: 0, refundHolds: [], createdAt: now, updatedAt: now });
  // An optional field left undefined is absent, not null (as mongoose leaves it).
  const pos = newOrderDoc(newOrder('11', { source: 'pos', prepayId: undefined }), now);
  await expect(new Order(pos).validate()).resolves.toBeUndefined();
  await repo.insert(newOrder('11', { prepayId: undefined }), now);
  expect(await db.collection('orders').findOne({ outTradeNo: 'T11' })).not.toHaveProperty('prepayId');
  // The transition returns the order as written, with updatedAt moved and nextSyncAt gone.
  const paid = await repo.transition(id, ['PENDING'], { status: 'PAID', wxTradeState: 'SUCCESS', transactionId: 'tx10', refundable: 200 });
  expect(paid).toMatchObject({ id, status: 'PAID', transactionId: 'tx10', refundable: 200, total: 200, currency: 'HKD' });
  expect(paid).not.toHaveProperty('nextSyncAt');
  expect(moved(paid) && paid.updatedAt.getTime()).toBeGreaterThanOrEqual(now.getTime());
  expect(await repo.transition(id, ['PENDING'], { status: 'CLOSED', wxTradeState: 'CLOSED' })).toBe('unmatched');
});

test('one transaction pays one order: a second order given the same transaction id is refused and unchanged', async () => {
  const repo = mongoOrders(db);
  const now = new Date();
  const ids: string[] = [];
  for (const n of ['20', '21', '22']) {
    const id = repo.newId();
    ids.push(id);
    await repo.insert(newOrder(n, { id }), now);
  }
  const [a, b, c] = ids as [string, string, string];
  expect(await repo.transition(a, ['PENDING'], { status: 'PAID', wxTradeState: 'SUCCESS', transactionId: 'tx-shared' })).toMatchObject({
    id: a,
  });
  expect(await repo.transition(b, ['PENDING'], { status: 'PAID', wxTradeState: 'SUCCESS', transactionId: 'tx-shared' })).toBe('taken');
  expect(await repo.findById(b)).toMatchObject({ status: 'PENDING' });
  expect(await repo.findById(b)).not.toHaveProperty('transactionId');
  // Orders without a transaction id never collide; the paid one is found by its transaction.
  expect(await repo.transition(c, ['PENDING'], { status: 'CLOSED', wxTradeState: 'CLOSED' })).toMatchObject({ status: 'CLOSED' });
  expect(await repo.findByTransactionId('tx-shared')).toMatchObject({ id: a });
});

test('one notification event pays one order: the event that paid one is refused for another, which is unchanged', async () => {
  const repo = mongoOrders(db);
  const now = new Date();
  const ids: string[] = [];
  for (const n of ['23', '24']) {
    const id = repo.newId();
    ids.push(id);
    await repo.insert(newOrder(n, { id }), now);
  }
  const [a, b] = ids as [string, string];
  const at = new Date('2026-05-01T02:00:00Z');
  const pay = (transactionId: string) => ({
    status: 'PAID' as const,
    wxTradeState: 'SUCCESS',
    transactionId,
    paymentEventId: 'EV-shared',
    paymentEventAt: at,
  });
  expect(await repo.transition(a, ['PENDING'], pay('tx-23'))).toMatchObject({ id: a, paymentEventId: 'EV-shared', paymentEventAt: at });
  expect(await repo.transition(b, ['PENDING'], pay('tx-24'))).toBe('taken');
  const unchanged = await repo.findById(b);
  expect(unchanged).toMatchObject({ status: 'PENDING' });
  expect(unchanged).not.toHaveProperty('paymentEventId');
  expect(unchanged).not.toHaveProperty('transactionId');
  // The schema accepts the order as stored (strict: a field it did not know would throw).
  const stored = await db.collection('orders').findOne({ paymentEventId: 'EV-shared' });
  expect(stored).toMatchObject({ paymentEventId: 'EV-shared', paymentEventAt: at });
  await expect(new Order(stored!).validate()).resolves.toBeUndefined();
});
