import type { Connection } from 'mongoose';
import { connectDatabase } from '../../../server/src/storage/mongo/connection';
import { orderModel, type OrderModel } from '../../../server/src/storage/mongo/models/order';
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
