// The one question after the payment sheet (GET /api/orders/:id?wait=1): answered when the notification is
// applied on this instance, else after a bounded wait by a read and WeChat's order query; bounded waiters.
import { OrderSettlements } from '../../../../server/src/domain/order-settlements';
import { handlePaymentNotification } from '../../../../server/src/domain/payment-notifications';
import type { PaymentGateway, Transaction } from '../../../../server/src/domain/ports/payment-gateway';
import { paid, scriptedGateway, silent, storageWithCatalog, orderServiceOn } from './support';

function setup(over: Partial<PaymentGateway> = {}, maxWaiters = 10) {
  const st = storageWithCatalog();
  const settlements = new OrderSettlements(maxWaiters);
  let notified: Transaction | undefined;
  const gateway = scriptedGateway({
    parseNotification: async () => ({ ok: true, event: { id: 'EV-1', event_type: 'TRANSACTION.SUCCESS', resource: notified } }) as never,
    ...over,
  });
  const orders = orderServiceOn(st, gateway, {
    catalogCacheMs: 5000,
    settlements,
    settleWaitMs: 300,
  });
  const notify = async (tx: Transaction) => {
    notified = tx;
    return handlePaymentNotification(
      { orders: st.orders, paymentEvents: st.paymentEvents, gateway, logger: silent, settlements },
      {},
      Buffer.from('{}'),
      silent,
    );
  };
  return { st, orders, settlements, notify };
}

test('a waiting ask is answered as soon as the notification is applied here, with the paid order', async () => {
  const { orders, notify } = setup();
  const { order } = await orders.create('o1', { items: [{ sku: 'tea', quantity: 1 }], clientRequestId: 'req-wait-0001' });
  expect(order.prepayId).toBe(`wx-prepay-${order.outTradeNo}`);
  let released = false;
  const asked = orders.awaitSettled('o1', order.id, () => (released = true));
  await new Promise((r) => setTimeout(r, 20));
  expect(released).toBe(true); // the admission slot is given back while only waiting
  expect(await notify(paid(order))).toEqual({ status: 204 });
  const answer = await asked;
  expect(answer).toMatchObject({ id: order.id, status: 'PAID', refundable: order.total, transactionId: paid(order).id });
  // Asked again just after: answered from memory, and another customer still does not see it.
  expect((await orders.awaitSettled('o1', order.id)).status).toBe('PAID');
  await expect(orders.awaitSettled('o2', order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
});

test('no notification within the wait: WeChat is asked and its answer applied', async () => {
  let queries = 0;
  const { st, orders } = setup({
    queryByOutTradeNo: async (outTradeNo) => {
      queries++;
      const o = (await st.orders.findByOutTradeNo(outTradeNo))!;
      return paid(o);
    },
  });
  const { order } = await orders.create('o1', { items: [{ sku: 'tea', quantity: 1 }], clientRequestId: 'req-wait-0002' });
  const answer = await orders.awaitSettled('o1', order.id);
  expect(queries).toBe(1);
  expect(answer.status).toBe('PAID');
  expect((await st.orders.findById(order.id))!.status).toBe('PAID');
});

test('a settled order is answered at once; too many waiting: no wait, a plain read', async () => {
  const { settlements, orders } = setup({ queryByOutTradeNo: async () => undefined }, 1);
  const { order } = await orders.create('o1', { items: [{ sku: 'tea', quantity: 1 }], clientRequestId: 'req-wait-0003' });
  const hold = settlements.wait('someone-else', 1000)!;
  const t0 = Date.now();
  expect((await orders.awaitSettled('o1', order.id)).status).toBe('PENDING');
  expect(Date.now() - t0).toBeLessThan(250);
  hold.cancel();
  expect(settlements.size).toBe(0);
});

test('a repeated clientRequestId answers the stored order; the second prepay is never stored', async () => {
  const { st, orders } = setup();
  const input = { items: [{ sku: 'bun', quantity: 2 }], clientRequestId: 'req-wait-0004' };
  const first = await orders.create('o1', input);
  const again = await orders.create('o1', input);
  expect(again).toMatchObject({ created: false, order: { id: first.order.id, prepayId: first.order.prepayId } });
  expect(st.orders.all()).toHaveLength(1);
});

test('an order created here is waited for without a read: answered by the notification with no database read', async () => {
  const { st, orders, notify } = setup();
  const { order } = await orders.create('o1', { items: [{ sku: 'tea', quantity: 1 }], clientRequestId: 'req-wait-0005' });
  const reads = countReads(st);
  const asked = orders.awaitSettled('o1', order.id);
  await new Promise((r) => setTimeout(r, 20));
  expect(await notify(paid(order))).toEqual({ status: 204 });
  expect(await asked).toMatchObject({ id: order.id, status: 'PAID' });
  expect(reads()).toBe(0);
  // Another customer asking about it is not answered from memory: the read finds nothing.
  await expect(orders.awaitSettled('o2', order.id)).rejects.toMatchObject({ code: 'ORDER_NOT_FOUND' });
});

test('an order created here but paid through another instance is read after the first part of the wait', async () => {
  const { st, orders } = setup({ queryByOutTradeNo: async () => undefined });
  const { order } = await orders.create('o1', { items: [{ sku: 'tea', quantity: 1 }], clientRequestId: 'req-wait-0006' });
  // Another instance applies the notification: nothing wakes this one.
  const elsewhere = await handlePaymentNotification(
    {
      orders: st.orders,
      paymentEvents: st.paymentEvents,
      gateway: scriptedGateway({
        parseNotification: async () =>
          ({ ok: true, event: { id: 'EV-9', event_type: 'TRANSACTION.SUCCESS', resource: paid(order) } }) as never,
      }),
      logger: silent,
    },
    {},
    Buffer.from('{}'),
    silent,
  );
  expect(elsewhere).toEqual({ status: 204 });
  const reads = countReads(st);
  const t0 = Date.now();
  const answer = await orders.awaitSettled('o1', order.id);
  const took = Date.now() - t0;
  expect(answer).toMatchObject({ id: order.id, status: 'PAID' });
  expect(reads()).toBe(1);
  expect(took).toBeGreaterThanOrEqual(90); // the first part of the 300 ms wait: a third
  expect(took).toBeLessThan(280); // not the whole wait
});

/** Counts the customer reads of the order repository from now on. */
function countReads(st: ReturnType<typeof storageWithCatalog>): () => number {
  let n = 0;
  const read = st.orders.findForCustomer.bind(st.orders);
  st.orders.findForCustomer = (...args) => {
    n++;
    return read(...args);
  };
  return () => n;
}
