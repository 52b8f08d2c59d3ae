// Quick Pay at the till over the real stack. The sandbox picks the outcome from the auth code's last digits:
// ...9990 USERPAYING forever, ...999n USERPAYING for n queries then success, ...9980 failure, others success.
import type { PosChargeResponse } from '../../../shared/api';
import { startStack, type Stack } from '../../support/stack';
import { staffToken } from '../../support/staff';

let stack: Stack;
let cashier: string;
let viewer: string;
beforeAll(async () => {
  stack = await startStack({ env: { POS_POLL_SCHEDULE_MS: '100,100,100,100', WECHATPAY_TIMEOUT_MS: '1500' } });
  cashier = await staffToken(stack.backendUrl, stack.dbUri, 'carl', 'cashier');
  viewer = await staffToken(stack.backendUrl, stack.dbUri, 'vic', 'viewer');
});
afterAll(async () => {
  await stack?.stop();
});

let n = 0;
const charge = (authCode: string, amount = 1234, requestId = `pos-${Date.now()}-${n++}`, token = cashier) =>
  stack.api('POST', '/api/admin/pos/charge', { token, body: { authCode, amount, description: 'Counter sale', requestId } });
const atWechat = async (outTradeNo: string) => (await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${outTradeNo}`)).data[0];

test('success: the order is paid and refundable like any other', async () => {
  const r = await charge('134650720866361395');
  expect(r.status).toBe(201);
  const res = r.json as PosChargeResponse;
  expect(res).toMatchObject({ state: 'SUCCESS', amount: 1234, currency: 'HKD' });
  expect(res.transactionId).toBeTruthy();
  expect((await atWechat(res.outTradeNo)).trade_state).toBe('SUCCESS');
  const list = await stack.api('GET', `/api/admin/orders?outTradeNo=${res.outTradeNo}`, { token: viewer });
  expect(list.json.items[0]).toMatchObject({ status: 'PAID', total: 1234, refundableAmount: 1234 });
});

test('USERPAYING then success: polled until paid', async () => {
  const r = await charge('134650720866369992');
  expect(r.json).toMatchObject({ state: 'SUCCESS' });
  expect((await atWechat(r.json.outTradeNo)).trade_state).toBe('SUCCESS');
});

test('USERPAYING forever: reversed after the polling window', async () => {
  const started = Date.now();
  const r = await charge('134650720866369990');
  expect(r.json).toMatchObject({ state: 'REVOKED' });
  expect(Date.now() - started).toBeGreaterThanOrEqual(400); // four polls of 100 ms first
  expect((await atWechat(r.json.outTradeNo)).trade_state).toBe('REVOKED');
  const list = await stack.api('GET', `/api/admin/orders?outTradeNo=${r.json.outTradeNo}`, { token: viewer });
  expect(list.json.items[0].status).toBe('CLOSED');
});

test('failure: PAYERROR, order FAILED', async () => {
  const r = await charge('134650720866369980');
  expect(r.json.state).toBe('PAYERROR');
  const list = await stack.api('GET', `/api/admin/orders?outTradeNo=${r.json.outTradeNo}`, { token: viewer });
  expect(list.json.items[0].status).toBe('FAILED');
});

test('the same requestId answers the first charge and never charges again', async () => {
  const id = `pos-repeat-${Date.now()}`;
  const a = await charge('134650720866361111', 500, id);
  const b = await charge('134650720866361111', 500, id);
  expect(a.status).toBe(201);
  expect(b.status).toBe(200);
  expect(b.json).toEqual(a.json);
  const other = await charge('134650720866361111', 600, id);
  expect(other.status).toBe(409);
  expect(other.json.code).toBe('IDEMPOTENCY_MISMATCH');
});

test('a lost answer is resolved by a query, not a second charge', async () => {
  // The charge is carried out but its answer comes after our 1.5 s timeout.
  await stack.sandbox.admin.faults({
    arm: [{ fault: 'delay:2500', method: 'POST', path: '/v3/global/micropay/transactions/pay', times: 1 }],
  });
  const r = await charge('134650720866362222', 777);
  expect(r.json).toMatchObject({ state: 'SUCCESS', amount: 777 });
  // A 500 before anything was done: WeChat does not know the order, so the same out_trade_no is charged again.
  await stack.sandbox.admin.faults({ arm: [{ fault: '500', method: 'POST', path: '/v3/global/micropay/transactions/pay', times: 1 }] });
  const s = await charge('134650720866363333', 888);
  expect(s.json).toMatchObject({ state: 'SUCCESS', amount: 888 });
});

test('roles and validation: viewers cannot charge; bad auth codes and unknown fields are 400', async () => {
  const v = await charge('134650720866361395', 100, `pos-v-${Date.now()}`, viewer);
  expect(v.status).toBe(403);
  for (const authCode of ['12345', '194650720866361395', '13465072086636139a']) {
    const r = await charge(authCode);
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('VALIDATION_FAILED');
  }
  const extra = await stack.api('POST', '/api/admin/pos/charge', {
    token: cashier,
    body: { authCode: '134650720866361395', amount: 1, description: 'x', requestId: 'pos-extra-1', currency: 'JPY' },
  });
  expect(extra.status).toBe(400);
});
