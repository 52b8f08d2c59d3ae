// Helpers shared by the staff integration tests: a paid customer order, polling, staff calls.
import type { AdminRefundView, CreateOrderResponse, OrderView } from '../../shared/api';
import type { Stack } from './stack';

export async function waitFor<T>(fn: () => Promise<T | undefined | false>, ms = 15000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let seq = 0;
/** A customer order paid through the sandbox cashier, once the backend has seen it PAID. */
export async function paidOrder(stack: Stack, user: string, items = [{ sku: 'milk-tea', quantity: 2 }]): Promise<OrderView> {
  const token = await stack.loginCustomer(user);
  const created = await stack.api('POST', '/api/orders', {
    token,
    body: { items, clientRequestId: `staff-${process.pid}-${Date.now()}-${seq++}` },
  });
  if (created.status !== 201) throw new Error(`order: ${created.status} ${JSON.stringify(created.json)}`);
  const { order, payment } = created.json as CreateOrderResponse;
  const paid = await stack.payInSandbox(order.id, payment);
  if (paid.status !== 200) throw new Error(`pay: ${paid.status} ${JSON.stringify(paid.json)}`);
  return waitFor(
    async () => {
      const r = await stack.api('GET', `/api/orders/${order.id}`, { token });
      return r.json.status === 'PAID' ? (r.json as OrderView) : undefined;
    },
    15000,
    'order PAID',
  );
}

export async function refundStatus(stack: Stack, token: string, id: string, status: string, ms = 15000): Promise<AdminRefundView> {
  return waitFor(
    async () => {
      const r = await stack.api('GET', `/api/admin/refunds/${id}`, { token });
      return r.json.status === status ? (r.json as AdminRefundView) : undefined;
    },
    ms,
    `refund ${status}`,
  );
}
