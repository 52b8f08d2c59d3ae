// The same code path as an institution (sp_mchid/sp_appid + sub_mchid/sub_appid): login with the sub-merchant's
// Mini Program, order with payer.sub_openid, paySign with sub_appid, notification checked against the ids.
import { startStack, type Stack } from '../../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ mode: 'institution', env: { PENDING_QUERY_SCHEDULE_SECONDS: '600', ORDER_SYNC_STALE_SECONDS: '600' } });
});
afterAll(async () => {
  await stack?.stop();
});

test('institution mode: order -> cashier (paySign with sub_appid) -> notification -> PAID', async () => {
  const token = await stack.loginCustomer('ivy');
  const created = await stack.api('POST', '/api/orders', {
    token,
    body: { items: [{ sku: 'wonton-noodles', quantity: 1 }], clientRequestId: 'inst-000001' },
  });
  expect(created.status).toBe(201);
  const atWechat = await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${created.json.order.outTradeNo}`);
  expect(atWechat.data[0]).toMatchObject({
    sp_mchid: stack.env.WECHATPAY_MCHID,
    sub_mchid: stack.env.WECHATPAY_SUB_MCHID,
    payer: { sub_openid: await stack.openidOf('ivy') },
  });
  const paid = await stack.api('POST', '/api/sandbox/cashier', {
    token,
    body: { orderId: created.json.order.id, payment: created.json.payment, action: 'pay' },
  });
  expect(paid.json).toEqual({ result: 'ok' });
  const end = Date.now() + 15000;
  let status = '';
  while (Date.now() < end && status !== 'PAID') {
    status = (await stack.api('GET', `/api/orders/${created.json.order.id}`, { token })).json.status;
    if (status !== 'PAID') await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe('PAID');
});
