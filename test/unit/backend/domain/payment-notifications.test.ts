// Payment notifications without a database: the order paid once, by one update that also records the event on
// it; deliveries that pay nothing recorded in the event log; a replay for another order refused. The gateway's parser is scripted: signature checks are tested with the client library.
import type { NotificationResult } from '../../../../server/src/domain/ports/payment-gateway';
import { handlePaymentNotification } from '../../../../server/src/domain/payment-notifications';
import { paid, scriptedGateway, silent, storageWithCatalog, orderServiceOn } from './support';

function event(id: string, resource: unknown): NotificationResult {
  return {
    ok: true,
    event: {
      id,
      event_type: 'TRANSACTION.SUCCESS',
      create_time: '2026-05-01T10:00:00+08:00',
      resource_type: 'encrypt-resource',
      summary: 'ok',
      resource,
    },
  } as unknown as NotificationResult;
}

async function setup() {
  const st = storageWithCatalog();
  let next: NotificationResult = { ok: false, reason: 'bad_signature', message: 'x' } as unknown as NotificationResult;
  const gateway = scriptedGateway({ parseNotification: async () => next });
  const orders = orderServiceOn(st, gateway);
  const deliver = (n: NotificationResult) => {
    next = n;
    return handlePaymentNotification(
      { orders: st.orders, paymentEvents: st.paymentEvents, gateway, logger: silent },
      {},
      Buffer.from('{}'),
      silent,
    );
  };
  const a = (await orders.create('o1', { items: [{ sku: 'tea', quantity: 1 }], clientRequestId: 'req-notify-01' })).order;
  const b = (await orders.create('o1', { items: [{ sku: 'bun', quantity: 1 }], clientRequestId: 'req-notify-02' })).order;
  return { st, deliver, a, b };
}

test('the first delivery pays the order; repeats (also concurrent) answer 204 and change nothing more', async () => {
  const { st, deliver, a } = await setup();
  const answers = await Promise.all([1, 2, 3, 4].map(() => deliver(event('EV-1', paid(a)))));
  expect(answers).toEqual(Array(4).fill({ status: 204 }));
  const after = await st.orders.findById(a.id);
  expect(after).toMatchObject({ status: 'PAID', refundable: a.total, paymentEventId: 'EV-1' });
  expect(Number.isFinite(after?.paymentEventAt?.getTime())).toBe(true);
  // Recorded by the paying update itself: every repeat found the order paid by it, and the log holds no copy.
  expect(await st.paymentEvents.find('EV-1')).toBeUndefined();
});

test('a notification for an order a query paid first is recorded in the event log and changes nothing', async () => {
  const { st, deliver, a } = await setup();
  const queried = await st.orders.transition(a.id, ['PENDING'], { status: 'PAID', wxTradeState: 'SUCCESS', transactionId: paid(a).id });
  expect(queried).toMatchObject({ status: 'PAID' });
  expect(await deliver(event('EV-5', paid(a)))).toEqual({ status: 204 });
  expect(await st.paymentEvents.find('EV-5')).toMatchObject({ outcome: 'applied', orderId: a.id });
  expect(await st.orders.findById(a.id)).not.toHaveProperty('paymentEventId');
  // Its repeat is told by the log's unique event id.
  expect(await deliver(event('EV-5', paid(a)))).toEqual({ status: 204 });
});

test('an event id replayed for another order is refused and pays nothing', async () => {
  const { st, deliver, a, b } = await setup();
  expect(await deliver(event('EV-2', paid(a)))).toEqual({ status: 204 });
  expect(await deliver(event('EV-2', paid(b)))).toMatchObject({ status: 400 });
  expect(await st.orders.findById(b.id)).toMatchObject({ status: 'PENDING' });
  expect(await st.orders.findById(b.id)).not.toHaveProperty('paymentEventId');
  // The refused replay is in the log, for the staff console's trail of that order.
  expect(await st.paymentEvents.find('EV-2')).toMatchObject({ outcome: 'rejected', orderId: b.id });
  // The same event, delivered again for its own order, is still a plain repeat.
  expect(await deliver(event('EV-2', paid(a)))).toEqual({ status: 204 });
});

test('rejected signatures are 401, unknown orders 404, and nothing is recorded for them', async () => {
  const { st, deliver } = await setup();
  expect(await deliver({ ok: false, reason: 'bad_signature', message: 'forged' } as unknown as NotificationResult)).toMatchObject({
    status: 401,
  });
  expect(await deliver(event('EV-3', paid({ outTradeNo: 'M-unknown-000000000', total: 1, currency: 'HKD' })))).toMatchObject({
    status: 404,
  });
  expect(await st.paymentEvents.find('EV-3')).toBeUndefined();
});

test('an amount mismatch is acknowledged, recorded as flagged, and never pays', async () => {
  const { st, deliver, a } = await setup();
  expect(await deliver(event('EV-4', paid(a, { amount: { total: a.total + 1, currency: 'HKD' } })))).toEqual({ status: 204 });
  expect(await st.paymentEvents.find('EV-4')).toMatchObject({ outcome: 'flagged' });
  expect(await st.orders.findById(a.id)).toMatchObject({ status: 'PENDING', flagged: expect.any(String) });
});
