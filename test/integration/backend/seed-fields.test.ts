// The seeds' fields end to end over the real stack (sandbox -> database -> API): the JSAPI order's
// goods_detail / payer_client_ip / attach, the payer side (payer_total, payer_currency, exchange_rate) and
// promotion_detail stored on the order and shown by both APIs, a close within 5 minutes as a plain 409, and
// wallet_region / split_amount on settlement batches.
import mongoose from 'mongoose';
import type { AdminOrderView, OrderView, SettlementList } from '../../../shared/api';
import { startStack, type Stack } from '../../support/stack';
import { paidOrder } from '../../support/staff-flow';
import { staffToken } from '../../support/staff';

jest.setTimeout(120_000);

let stack: Stack;
let admin: string;
let mchid: string;
let db: mongoose.Connection;
let sandboxDb: mongoose.Connection;
beforeAll(async () => {
  stack = await startStack({ sandbox: { settings: { closeMinAgeSeconds: 300 } } });
  admin = await staffToken(stack.backendUrl, stack.dbUri, 'fields-admin', 'admin');
  mchid = stack.env.WECHATPAY_MCHID!;
  db = await mongoose.createConnection(stack.dbUri).asPromise();
  sandboxDb = await mongoose.createConnection(stack.sandbox.dbUri).asPromise();
});
afterAll(async () => {
  await db?.close();
  await sandboxDb?.close();
  await stack?.stop();
});

async function merchantSettings(patch: Record<string, unknown>): Promise<void> {
  const r = await stack.sandbox.admin.post(`/sandbox/merchants/${mchid}/settings`, patch);
  expect(r.status).toBe(200);
}

test('JSAPI order: the items as goods_detail, the customer address as payer_client_ip, the order id as attach', async () => {
  const token = await stack.loginCustomer('fields-goods');
  const created = await stack.api('POST', '/api/orders', {
    token,
    body: { items: [{ sku: 'milk-tea', quantity: 2 }], clientRequestId: `fields-goods-${Date.now()}` },
  });
  expect(created.status).toBe(201);
  const order = created.json.order as OrderView;
  const atWechat = await sandboxDb.collection('orders').findOne({ out_trade_no: order.outTradeNo });
  expect(atWechat).toMatchObject({ attach: `order:${order.id}`, scene_info: { payer_client_ip: '127.0.0.1' } });
  // attach comes back in the query: the backend's own record matches it.
  const paid = await stack.payInSandbox(order.id, created.json.payment);
  expect(paid.status).toBe(200);
});

test('payer side and promotion_detail: stored on the order, shown to the customer and to staff', async () => {
  await merchantSettings({
    promotion: {
      amount: 500,
      type: 'COUPON',
      scope: 'GLOBAL',
      name: 'Tea day',
      wechatpay_contribute_amount: 300,
      merchant_contribute_amount: 200,
    },
  });
  try {
    const o = await paidOrder(stack, 'fields-payer', [{ sku: 'milk-tea', quantity: 2 }]);
    expect(o.payerCurrency).toBe('CNY');
    expect(o.payerTotal).toEqual(expect.any(Number));
    expect(o.payerTotal).toBeGreaterThan(0);
    expect(o.exchangeRate).toBeGreaterThan(0);
    expect(o.promotions).toEqual([
      expect.objectContaining({ name: 'Tea day', amount: 500, type: 'COUPON', scope: 'GLOBAL', wechatpayShare: 300, merchantShare: 200 }),
    ]);
    const stored = await db.collection('orders').findOne({ outTradeNo: o.outTradeNo });
    expect(stored).toMatchObject({
      payerCurrency: 'CNY',
      payerTotal: o.payerTotal,
      exchangeRate: Math.round(o.exchangeRate! * 1e8),
      promotions: [expect.objectContaining({ amount: 500, merchantContribute: 200, wechatpayContribute: 300 })],
    });
    // The payer paid total - discount, converted: the rate applied to that gives payer_total (to a minor unit).
    expect(Math.abs(Math.round((o.total - 500) * o.exchangeRate!) - o.payerTotal!)).toBeLessThanOrEqual(1);
    const staff = (await stack.api('GET', `/api/admin/orders/${o.id}`, { token: admin })).json as AdminOrderView;
    expect(staff).toMatchObject({ payerTotal: o.payerTotal, payerCurrency: 'CNY', exchangeRate: o.exchangeRate, promotions: o.promotions });
  } finally {
    await merchantSettings({ promotion: null });
  }
});

test('close within 5 minutes of creation: 409 ORDER_CLOSE_TOO_SOON with a plain message, the order stays unpaid', async () => {
  const token = await stack.loginCustomer('fields-close');
  const created = await stack.api('POST', '/api/orders', {
    token,
    body: { items: [{ sku: 'egg-tart', quantity: 1 }], clientRequestId: `fields-close-${Date.now()}` },
  });
  const close = await stack.api('POST', `/api/admin/orders/${created.json.order.id}/close`, { token: admin, body: {} });
  expect(close.status).toBe(409);
  expect(close.json.code).toBe('ORDER_CLOSE_TOO_SOON');
  expect(close.json.message).toMatch(/5 minutes/);
  expect(close.json.retryable).toBeUndefined();
  expect((await stack.api('GET', `/api/admin/orders/${created.json.order.id}`, { token: admin })).json.status).toBe('PENDING');
});

test('settlements carry wallet_region and split_amount', async () => {
  await merchantSettings({ walletRegion: 'CHINA_HONGKONG', splitBasisPoints: 2000 });
  try {
    await paidOrder(stack, 'fields-settle', [{ sku: 'milk-tea', quantity: 1 }]);
    // The sandbox shares a settlement sum for 2 s (server/sandbox/routes/reports.ts): ask until the payment shows.
    let r = await stack.api('GET', '/api/admin/settlements?state=UNSETTLE&page=1', { token: admin });
    for (let i = 0; i < 20 && r.status === 200 && (r.json as SettlementList).items.length === 0; i++) {
      await new Promise((done) => setTimeout(done, 250));
      r = await stack.api('GET', '/api/admin/settlements?state=UNSETTLE&page=1', { token: admin });
    }
    expect(r.status).toBe(200);
    const list = r.json as SettlementList;
    expect(list.items.length).toBeGreaterThan(0);
    for (const s of list.items) {
      expect(s.walletRegion).toBe('CHINA_HONGKONG');
      expect(s.splitAmount).toEqual(expect.objectContaining({ currency: s.amount.currency, settled: 0, unsettle: expect.any(Number) }));
      expect(s.splitAmount!.pay).toBeGreaterThan(0);
    }
  } finally {
    await merchantSettings({ walletRegion: null, splitBasisPoints: null });
  }
});
