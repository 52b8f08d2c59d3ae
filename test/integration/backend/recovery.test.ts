// Recovery: with every payment notification dropped, the query job still marks orders paid; with the backend
// killed (SIGKILL) in the middle of a burst of payments and restarted, every paid order ends paid, once.
import mongoose from 'mongoose';
import type { CreateOrderResponse } from '../../../shared/api';
import { startStack, type Stack } from '../../support/stack';

async function waitFor(what: string, fn: () => Promise<boolean>, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('dropped notifications', () => {
  let stack: Stack;
  let db: mongoose.Connection;
  beforeAll(async () => {
    // GET /api/orders/:id does not sync here, so only the job can discover the payments.
    stack = await startStack({ env: { ORDER_SYNC_STALE_SECONDS: '3600' } });
    db = await mongoose.createConnection(stack.dbUri).asPromise();
  });
  afterAll(async () => {
    await db?.close();
    await stack?.stop();
  });

  test('the pending-orders job marks paid orders paid without any notification', async () => {
    await stack.sandbox.admin.faults({ rates: { notifyDrop: 1 } });
    const token = await stack.loginCustomer('dora');
    const orders: CreateOrderResponse[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await stack.api('POST', '/api/orders', {
        token,
        body: { items: [{ sku: 'egg-tart', quantity: i + 1 }], clientRequestId: `drop-${i}-00000` },
      });
      expect(r.status).toBe(201);
      orders.push(r.json);
    }
    // Pay three of the four at the cashier; the fourth stays unpaid.
    for (const o of orders.slice(0, 3)) expect((await stack.payInSandbox(o.order.id, o.payment)).status).toBe(200);
    const paidNos = orders.slice(0, 3).map((o) => o.order.outTradeNo);
    await waitFor(
      'the job to mark 3 orders paid',
      async () => (await db.collection('orders').countDocuments({ outTradeNo: { $in: paidNos }, status: 'PAID' })) === 3,
    );
    const unpaid = await db.collection('orders').findOne({ outTradeNo: orders[3]!.order.outTradeNo });
    expect(unpaid).toMatchObject({ status: 'PENDING' });
    expect(await db.collection('payment_events').countDocuments({})).toBe(0); // nothing came by notification
    for (const no of paidNos) {
      const notes = await stack.sandbox.admin.notifications({ out_trade_no: no });
      expect(notes[0]?.state).not.toBe('delivered');
    }
    await stack.sandbox.admin.faults({ rates: { notifyDrop: 0 } });
  });
});

describe('expired orders', () => {
  let stack: Stack;
  let db: mongoose.Connection;
  beforeAll(async () => {
    stack = await startStack({ env: { ORDER_TTL_SECONDS: '10' } });
    db = await mongoose.createConnection(stack.dbUri).asPromise();
  });
  afterAll(async () => {
    await db?.close();
    await stack?.stop();
  });

  test('are closed at WeChat; one paid just before expiry ends PAID, not CLOSED', async () => {
    await stack.sandbox.admin.faults({ rates: { notifyDrop: 1 } });
    const token = await stack.loginCustomer('erin');
    const mk = async (key: string) =>
      (await stack.api('POST', '/api/orders', { token, body: { items: [{ sku: 'milk-tea', quantity: 1 }], clientRequestId: key } }))
        .json as CreateOrderResponse;
    const [a, b] = [await mk('expire-a-0001'), await mk('expire-b-0001')];
    // b is paid; its notification is dropped and the job may or may not see it before expiry: either way PAID.
    expect((await stack.payInSandbox(b.order.id, b.payment)).status).toBe(200);
    await waitFor(
      'a to be closed',
      async () => (await db.collection('orders').findOne({ outTradeNo: a.order.outTradeNo }))?.status === 'CLOSED',
      30000,
    );
    const atWechat = await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${a.order.outTradeNo}`);
    expect(atWechat.data[0].trade_state).toBe('CLOSED');
    await waitFor(
      'b to be paid',
      async () => (await db.collection('orders').findOne({ outTradeNo: b.order.outTradeNo }))?.status === 'PAID',
    );
    // A closed order cannot be paid any more.
    const pay = await stack.api('POST', `/api/orders/${a.order.id}/pay`, { token });
    expect(pay.json.code).toBe('ORDER_NOT_PAYABLE');
  });
});

describe('SIGKILL mid-burst', () => {
  let stack: Stack;
  let db: mongoose.Connection;
  beforeAll(async () => {
    stack = await startStack({ env: { ORDER_SYNC_STALE_SECONDS: '3600' } });
    db = await mongoose.createConnection(stack.dbUri).asPromise();
  });
  afterAll(async () => {
    await db?.close();
    await stack?.stop();
  });

  test('every paid order ends paid, nothing twice', async () => {
    const N = 16;
    const tokens = await Promise.all(Array.from({ length: N }, (_, i) => stack.loginCustomer(`burst${i}`)));
    // Each customer places an order (retrying with the same clientRequestId while the backend is down) and pays.
    let placed = 0;
    let failedAttempts = 0;
    let halfPlaced!: () => void;
    const half = new Promise<void>((r) => (halfPlaced = r));
    const placeAndPay = async (i: number) => {
      // Staggered over ~0.6 s so that the second half is still to be placed when the kill lands (with every
      // order placed at once, a fast backend had answered them all by the time half were counted).
      await new Promise((r) => setTimeout(r, i * 40));
      const body = { items: [{ sku: 'wonton-noodles', quantity: 1 + (i % 3) }], clientRequestId: `burst-${i}-000000` };
      let created: CreateOrderResponse | undefined;
      for (let attempt = 0; !created; attempt++) {
        try {
          const r = await stack.api('POST', '/api/orders', { token: tokens[i], body });
          if (r.status === 200 || r.status === 201) created = r.json;
        } catch {
          failedAttempts++; // backend down: retry
        }
        if (!created) await new Promise((r) => setTimeout(r, 100));
        if (attempt > 300) throw new Error('never placed');
      }
      if (++placed === N / 2) halfPlaced();
      await new Promise((r) => setTimeout(r, i * 15));
      const paid = await stack.payInSandbox(created.order.id, created.payment);
      expect(paid.status).toBe(200);
      return created.order;
    };
    const burst = Promise.all(Array.from({ length: N }, (_, i) => placeAndPay(i)));
    await half;
    await stack.killBackend('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    await stack.restartBackend();
    const orders = await burst;
    expect(failedAttempts).toBeGreaterThan(0); // the kill did land in the middle of the burst

    const nos = orders.map((o) => o.outTradeNo);
    await waitFor(
      'every paid order to be PAID',
      async () => (await db.collection('orders').countDocuments({ outTradeNo: { $in: nos }, status: 'PAID' })) === N,
      40000,
    );
    // Exactly one order per customer request, each paid once with its own total.
    expect(await db.collection('orders').countDocuments({})).toBe(N);
    const docs = await db.collection('orders').find({}).toArray();
    for (const d of docs) {
      expect(d.refundable).toBe(d.total);
      expect(d.refunded).toBe(0);
      const atWechat = await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${d.outTradeNo}`);
      expect(atWechat.data).toHaveLength(1);
      expect(atWechat.data[0]).toMatchObject({ trade_state: 'SUCCESS', amount: expect.objectContaining({ total: d.total }) });
      expect(d.transactionId).toBe(atWechat.data[0].id ?? atWechat.data[0].transaction_id);
    }
    const events = await db
      .collection('payment_events')
      .aggregate([{ $group: { _id: '$eventId', n: { $sum: 1 } } }])
      .toArray();
    expect(events.every((e) => e.n === 1)).toBe(true);
  });
});
