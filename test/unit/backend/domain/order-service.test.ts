// Order rules without a database: prices from the catalog, one order per clientRequestId, the prepay reused,
// and WeChat's answers applied once.
import { DomainError } from '../../../../server/src/domain/errors';
import { applyTransaction } from '../../../../server/src/domain/order-state';
import { paid, scriptedGateway, storageWithCatalog, MERCHANT, orderServiceOn } from './support';

function setup(now = new Date('2026-05-01T00:00:00Z')) {
  const st = storageWithCatalog();
  const gateway = scriptedGateway();
  const orders = orderServiceOn(st, gateway, {
    now: () => now,
  });
  return { st, gateway, orders };
}

test('prices come from the catalog, never from the client; inactive or unknown skus are refused', async () => {
  const { orders } = setup();
  const { order, created } = await orders.create('o1', {
    items: [
      { sku: 'tea', quantity: 2 },
      { sku: 'bun', quantity: 1 },
    ],
    clientRequestId: 'req-00000001',
  });
  expect(created).toBe(true);
  expect(order).toMatchObject({
    total: 2 * 2800 + 1600,
    currency: 'HKD',
    status: 'PENDING',
    items: [
      { sku: 'tea', amount: 5600 },
      { sku: 'bun', amount: 1600 },
    ],
  });
  await expect(orders.create('o1', { items: [{ sku: 'old', quantity: 1 }], clientRequestId: 'req-00000002' })).rejects.toMatchObject({
    code: 'PRODUCT_NOT_FOUND',
  });
  await expect(
    orders.create('o1', {
      items: [
        { sku: 'tea', quantity: 1 },
        { sku: 'tea', quantity: 1 },
      ],
      clientRequestId: 'req-00000003',
    }),
  ).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
  });
});

test('the same clientRequestId gives the same order, also when sent concurrently; other items are a mismatch', async () => {
  const { st, orders } = setup();
  const input = { items: [{ sku: 'tea', quantity: 1 }], clientRequestId: 'req-same-0001' };
  const all = await Promise.all(Array.from({ length: 8 }, () => orders.create('o1', input)));
  expect(new Set(all.map((r) => r.order.id)).size).toBe(1);
  expect(all.filter((r) => r.created)).toHaveLength(1);
  expect(st.orders.all()).toHaveLength(1);
  await expect(orders.create('o1', { ...input, items: [{ sku: 'bun', quantity: 1 }] })).rejects.toBeInstanceOf(DomainError);
  // Another customer's identical key is another order.
  expect((await orders.create('o2', input)).created).toBe(true);
});

test('a valid prepay id is reused for the next payment; a paid order is not payable', async () => {
  const { st, gateway, orders } = setup();
  const { order } = await orders.create('o1', { items: [{ sku: 'tea', quantity: 1 }], clientRequestId: 'req-prepay-01' });
  const first = await orders.payment(order);
  const second = await orders.payment(first.order);
  expect(gateway.prepays).toEqual([order.outTradeNo]);
  expect(second.payment.package).toBe(`prepay_id=wx-prepay-${order.outTradeNo}`);
  expect(await applyTransaction(st.orders, first.order, paid(first.order), MERCHANT)).toEqual({ result: 'changed', status: 'PAID' });
  const after = (await st.orders.findById(order.id))!;
  await expect(orders.payment(after)).rejects.toMatchObject({ code: 'ORDER_NOT_PAYABLE' });
});

test('another customer never sees the order', async () => {
  const { orders } = setup();
  const { order } = await orders.create('o1', { items: [{ sku: 'tea', quantity: 1 }], clientRequestId: 'req-mine-0001' });
  await expect(orders.get('o2', order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
  await expect(orders.get('o1', 'not-an-id')).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
  expect((await orders.get('o1', order.id)).id).toBe(order.id);
});

test('WeChat answers move an order once; a wrong amount flags it and never pays it', async () => {
  const { st, orders } = setup();
  const { order } = await orders.create('o1', { items: [{ sku: 'tea', quantity: 1 }], clientRequestId: 'req-apply-001' });
  const results = await Promise.all([1, 2, 3].map(() => applyTransaction(st.orders, order, paid(order), MERCHANT)));
  expect(results.filter((r) => r.result === 'changed')).toHaveLength(1);
  expect(await st.orders.findById(order.id)).toMatchObject({ status: 'PAID', refundable: order.total, transactionId: paid(order).id });

  const { order: other } = await orders.create('o1', { items: [{ sku: 'bun', quantity: 1 }], clientRequestId: 'req-apply-002' });
  const wrong = await applyTransaction(st.orders, other, paid(other, { amount: { total: 1, currency: 'HKD' } }), MERCHANT);
  expect(wrong.result).toBe('flagged');
  expect(await st.orders.findById(other.id)).toMatchObject({ status: 'PENDING', flagged: expect.stringMatching(/amount.total/) });
  // The same transaction cannot pay a second order.
  const replay = await applyTransaction(
    st.orders,
    other,
    paid(other, { id: paid(order).id, amount: { total: other.total, currency: 'HKD' } }),
    MERCHANT,
  );
  expect(replay).toMatchObject({ result: 'rejected' });
});
