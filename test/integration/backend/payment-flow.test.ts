// End to end over HTTP: login -> order -> the sandbox cashier pays -> notification -> order paid.
import type { CreateOrderResponse, OrderView } from '../../../shared/api';
import { startStack, type Stack } from '../../support/stack';

let stack: Stack;
beforeAll(async () => {
  // The query job is slowed down so this test proves the notification path.
  stack = await startStack({ env: { PENDING_QUERY_SCHEDULE_SECONDS: '600', ORDER_SYNC_STALE_SECONDS: '600' } });
});
afterAll(async () => {
  await stack?.stop();
});

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('config and catalog', async () => {
  const cfg = await stack.api('GET', '/api/config');
  expect(cfg.status).toBe(200);
  expect(cfg.json).toMatchObject({ currency: 'HKD', sandbox: true, maxQuantityPerItem: 20, maxItemsPerOrder: 10 });
  const products = await stack.api('GET', '/api/products');
  expect(products.status).toBe(200);
  expect(products.json.items.length).toBeGreaterThanOrEqual(3);
  for (const p of products.json.items) {
    expect(Number.isInteger(p.price)).toBe(true);
    expect(p.currency).toBe('HKD');
  }
});

test('login -> order -> sandbox cashier pays -> notification -> PAID', async () => {
  const token = await stack.loginCustomer('alice');
  const created = await stack.api('POST', '/api/orders', {
    token,
    body: {
      items: [
        { sku: 'milk-tea', quantity: 2 },
        { sku: 'egg-tart', quantity: 3 },
      ],
      clientRequestId: 'flow-0000001',
    },
  });
  expect(created.status).toBe(201);
  const { order, payment } = created.json as CreateOrderResponse;
  expect(order.total).toBe(2 * 2800 + 3 * 950);
  expect(order.status).toBe('PENDING');
  expect(payment).toMatchObject({ signType: 'RSA', package: expect.stringMatching(/^prepay_id=/) });
  expect(payment.timeStamp).toMatch(/^\d{10}$/);

  // The same clientRequestId answers the same order (200), with a fresh paySign on the same prepay.
  const again = await stack.api('POST', '/api/orders', {
    token,
    body: {
      items: [
        { sku: 'milk-tea', quantity: 2 },
        { sku: 'egg-tart', quantity: 3 },
      ],
      clientRequestId: 'flow-0000001',
    },
  });
  expect(again.status).toBe(200);
  expect(again.json.order.id).toBe(order.id);
  expect(again.json.payment.package).toBe(payment.package);

  // Through the backend's sandbox cashier route (what the Mini Program does in sandbox mode).
  const paid = await stack.api('POST', '/api/sandbox/cashier', { token, body: { orderId: order.id, payment, action: 'pay' } });
  expect(paid.status).toBe(200);
  expect(paid.json).toEqual({ result: 'ok' });

  // The one question the Mini Program asks after the sheet: answered once the order is settled.
  const waited = await stack.api('GET', `/api/orders/${order.id}?wait=1`, { token });
  expect(waited.status).toBe(200);
  expect(waited.json).toMatchObject({ id: order.id, status: 'PAID', refundableAmount: order.total, refunds: [] });
  const final = await waitFor(async () => {
    const r = await stack.api('GET', `/api/orders/${order.id}`, { token });
    return r.json.status === 'PAID' ? (r.json as OrderView) : undefined;
  });
  expect(final).toMatchObject({ status: 'PAID', refundableAmount: order.total, refundedAmount: 0 });
  expect(final).toEqual({ ...(waited.json as OrderView) });
  expect(final.paidAt).toBeDefined();

  // Paying again is refused; the list shows the order.
  const payAgain = await stack.api('POST', `/api/orders/${order.id}/pay`, { token });
  expect(payAgain.status).toBe(409);
  expect(payAgain.json.code).toBe('ORDER_NOT_PAYABLE');
  const list = await stack.api('GET', '/api/orders', { token });
  expect(list.json).toMatchObject({ total: 1, page: 1, items: [{ id: order.id, status: 'PAID' }] });
  const notes = await stack.sandbox.admin.notifications({ out_trade_no: order.outTradeNo });
  expect(notes[0]).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', state: 'delivered' });
});
