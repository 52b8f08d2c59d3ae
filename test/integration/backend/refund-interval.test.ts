// WeChat is reported to refuse a second refund of one order within a minute (429 FREQUENCY_LIMITED). With the
// sandbox's rule on (2 s here), staff's second refund is accepted by us as PENDING with the reason, holds its
// amount, and the job sends it again with the same out_refund_no once the interval has passed.
import type { AdminOrderView } from '../../../shared/api';
import { startStack, type Stack } from '../../support/stack';
import { paidOrder, refundStatus } from '../../support/staff-flow';
import { staffToken } from '../../support/staff';

let stack: Stack;
let admin: string;
beforeAll(async () => {
  stack = await startStack({
    env: { REFUND_RETRY_SCHEDULE_SECONDS: '2.5', REFUND_PROCESSING_CHECK_SECONDS: '600', JOBS_INTERVAL_MS: '200' },
    sandbox: { settings: { refundSettleDelaySeconds: 0.3, refundMinIntervalSeconds: 2 } },
  });
  admin = await staffToken(stack.backendUrl, stack.dbUri, 'ivan', 'admin');
});
afterAll(async () => {
  await stack?.stop();
});

test('a refund refused as too soon stays PENDING, holds its amount, and is sent again later', async () => {
  const order = await paidOrder(stack, 'gap-alice');
  const refund = (amount: number, requestId: string) =>
    stack.api('POST', `/api/admin/orders/${order.id}/refunds`, { token: admin, body: { amount, requestId } });
  const first = await refund(1000, 'gap-first');
  expect(first.status).toBe(201);
  const second = await refund(500, 'gap-second');
  expect(second.status).toBe(201);
  expect(second.json).toMatchObject({ status: 'PENDING', amount: 500, lastError: { code: 'FREQUENCY_LIMITED' } });
  const view = (await stack.api('GET', `/api/admin/orders/${order.id}`, { token: admin })).json as AdminOrderView;
  expect(view.refundableAmount).toBe(order.total - 1500); // the pending one holds its amount
  expect(view.refunds.find((r) => r.id === second.json.id)?.status).toBe('PENDING');
  // At WeChat: only the first so far.
  expect((await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${order.outTradeNo}`)).data[0].refundable).toBe(order.total - 1000);
  const done = await refundStatus(stack, admin, second.json.id, 'SUCCESS', 15000);
  expect(done.outRefundNo).toBe(second.json.outRefundNo);
  expect(done.lastError).toBeUndefined();
  expect((await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${order.outTradeNo}`)).data[0].refundable).toBe(order.total - 1500);
});
