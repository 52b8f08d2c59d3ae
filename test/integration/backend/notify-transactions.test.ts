// POST /wechatpay/notify/transactions against the real backend process: notifications are built here with the
// sandbox's platform key (as WeChat Pay would sign them) or with wrong keys (as an attacker would).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mongoose from 'mongoose';
import type { CreateOrderResponse } from '../../../shared/api';
import { buildResponseMessage, encryptAesGcm, loadPrivateKey, randomNonce, signSha256RsaSync } from '../../../server/src/wechatpay/crypto';
import { startStack, type Stack } from '../../support/stack';

let stack: Stack;
let token: string;
let db: mongoose.Connection;
let platformKey: ReturnType<typeof loadPrivateKey>;

beforeAll(async () => {
  stack = await startStack({ env: { JOBS_ENABLED: 'false', ORDER_SYNC_STALE_SECONDS: '3600' } });
  token = await stack.loginCustomer('nina');
  db = await mongoose.createConnection(stack.dbUri).asPromise();
  platformKey = loadPrivateKey(readFileSync(stack.sandbox.config.keys.platform.keyPath));
});
afterAll(async () => {
  await db?.close();
  await stack?.stop();
});

let seq = 0;
async function newOrder(): Promise<CreateOrderResponse['order']> {
  const r = await stack.api('POST', '/api/orders', {
    token,
    body: { items: [{ sku: 'egg-tart', quantity: 2 }], clientRequestId: `notify-${Date.now()}-${seq++}` },
  });
  expect(r.status).toBe(201);
  return r.json.order;
}

interface Forge {
  eventId?: string;
  resource?: Record<string, unknown>;
  key?: ReturnType<typeof loadPrivateKey>;
  serial?: string;
  timestamp?: number;
  signature?: string;
  apiV3Key?: string;
  ciphertext?: string;
}

function notification(order: { outTradeNo: string; total: number }, f: Forge = {}) {
  const m = stack.sandbox.config.direct;
  const resource = f.resource ?? {
    mchid: m.mchid,
    appid: m.appid,
    out_trade_no: order.outTradeNo,
    id: `42000${Date.now()}`,
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    trade_state_desc: 'ok',
    bank_type: 'OTHERS',
    success_time: new Date().toISOString().replace(/\.\d+Z$/, '+00:00'),
    payer: { openid: 'o_x' },
    amount: { total: order.total, currency: 'HKD', payer_total: order.total, payer_currency: 'HKD' },
  };
  const nonce = randomNonce(12);
  const body = JSON.stringify({
    id: f.eventId ?? randomUUID(),
    create_time: new Date().toISOString(),
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: f.ciphertext ?? encryptAesGcm(f.apiV3Key ?? m.apiV3Key, nonce, 'transaction', JSON.stringify(resource)),
      associated_data: 'transaction',
      nonce,
    },
  });
  const ts = f.timestamp ?? Math.floor(Date.now() / 1000);
  const sigNonce = randomNonce();
  const signature = f.signature ?? signSha256RsaSync(f.key ?? platformKey, buildResponseMessage(ts, sigNonce, body));
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'Wechatpay-Timestamp': String(ts),
      'Wechatpay-Nonce': sigNonce,
      'Wechatpay-Signature': signature,
      'Wechatpay-Serial': f.serial ?? stack.sandbox.config.platformSerial,
      'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    },
  };
}

async function deliver(n: { body: string; headers: Record<string, string> }) {
  const started = Date.now();
  const res = await fetch(`${stack.backendUrl}/wechatpay/notify/transactions`, { method: 'POST', headers: n.headers, body: n.body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, ms: Date.now() - started };
}

const orderDoc = (outTradeNo: string) => db.collection('orders').findOne({ outTradeNo });
const events = (outTradeNo: string) => db.collection('payment_events').countDocuments({ outTradeNo });

test('a genuine notification marks the order paid, answered 204 well within 5 s', async () => {
  const order = await newOrder();
  const r = await deliver(notification(order));
  expect(r.status).toBe(204);
  expect(r.ms).toBeLessThan(5000);
  const doc = await orderDoc(order.outTradeNo);
  expect(doc).toMatchObject({ status: 'PAID', refundable: order.total, wxTradeState: 'SUCCESS' });
});

test('duplicate and concurrent deliveries of one event make exactly one change', async () => {
  const order = await newOrder();
  const eventId = randomUUID();
  const n = notification(order, { eventId });
  const results = await Promise.all(Array.from({ length: 12 }, () => deliver(n)));
  expect(results.map((r) => r.status)).toEqual(Array(12).fill(204));
  const again = await deliver(n);
  expect(again.status).toBe(204);
  const doc = await orderDoc(order.outTradeNo);
  expect(doc).toMatchObject({ status: 'PAID', refundable: order.total, paymentEventId: eventId });
  // Recorded once, on the order, by the update that paid it: no repeat reached the event log.
  expect(await events(order.outTradeNo)).toBe(0);
  // A second, distinct event for the same payment (WeChat may send one) changes nothing either; it is recorded
  // in the event log (it paid nothing), once however often it comes.
  const paidAt = doc!.paidAt;
  const second = notification(order);
  expect((await deliver(second)).status).toBe(204);
  expect((await deliver(second)).status).toBe(204);
  expect(await orderDoc(order.outTradeNo)).toMatchObject({ paidAt, paymentEventId: eventId });
  expect(await events(order.outTradeNo)).toBe(1);
});

test('forged, stale, SIGNTEST, unknown-serial and undecryptable notifications: 4xx FAIL, nothing changes', async () => {
  const order = await newOrder();
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const cases: [string, Forge][] = [
    ['signed by another key', { key: attacker }],
    ['stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 600 }],
    ['SIGNTEST probe', { signature: `WECHATPAY/SIGNTEST/${Buffer.from('x').toString('base64')}` }],
    ['unknown serial', { serial: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' }],
    ['encrypted with another APIv3 key', { apiV3Key: 'x'.repeat(32) }],
    ['ciphertext garbage', { ciphertext: Buffer.from('not a real ciphertext at all').toString('base64') }],
  ];
  for (const [name, f] of cases) {
    const r = await deliver(notification(order, f));
    expect({ name, status: r.status >= 400 && r.status < 500 }).toEqual({ name, status: true });
    expect(r.json).toMatchObject({ code: 'FAIL', message: expect.any(String) });
  }
  // A body that was tampered with after signing.
  const n = notification(order);
  const tampered = { ...n, body: n.body.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCESS" ') };
  expect((await deliver(tampered)).status).toBe(401);
  // Not JSON / too large.
  expect((await deliver({ headers: n.headers, body: 'x'.repeat(70 * 1024) })).status).toBeGreaterThanOrEqual(400);
  const doc = await orderDoc(order.outTradeNo);
  expect(doc).toMatchObject({ status: 'PENDING', refundable: 0 });
  expect(await events(order.outTradeNo)).toBe(0);
});

test('a genuine notification for another merchant or appid is refused and changes nothing', async () => {
  const order = await newOrder();
  const m = stack.sandbox.config.direct;
  const base = { out_trade_no: order.outTradeNo, id: '4200099', trade_state: 'SUCCESS', amount: { total: order.total, currency: 'HKD' } };
  expect((await deliver(notification(order, { resource: { ...base, mchid: '1900000000', appid: m.appid } }))).status).toBe(400);
  expect((await deliver(notification(order, { resource: { ...base, mchid: m.mchid, appid: 'wx0000000000000000' } }))).status).toBe(400);
  expect((await orderDoc(order.outTradeNo))!.status).toBe('PENDING');
});

test('an amount or currency mismatch never marks the order paid and flags it for a person', async () => {
  const m = stack.sandbox.config.direct;
  for (const amount of [
    { total: 1, currency: 'HKD' },
    { total: -1, currency: 'USD' },
  ]) {
    const order = await newOrder();
    if (amount.total === -1) amount.total = order.total;
    const r = await deliver(
      notification(order, {
        resource: { mchid: m.mchid, appid: m.appid, out_trade_no: order.outTradeNo, id: '4200001', trade_state: 'SUCCESS', amount },
      }),
    );
    expect(r.status).toBe(204); // genuine and recorded: WeChat need not retry
    const doc = await orderDoc(order.outTradeNo);
    expect(doc).toMatchObject({ status: 'PENDING', refundable: 0 });
    expect(doc!.flagged).toMatch(amount.currency === 'USD' ? /currency/ : /amount/);
    expect(await db.collection('payment_events').findOne({ outTradeNo: order.outTradeNo })).toMatchObject({ outcome: 'flagged' });
    // The customer still sees it unpaid.
    const view = await stack.api('GET', `/api/orders/${order.id}`, { token });
    expect(view.json.status).toBe('PENDING');
  }
});

test('an event id that paid one order, replayed for another, is refused there and changes nothing', async () => {
  const a = await newOrder();
  const b = await newOrder();
  const eventId = randomUUID();
  expect((await deliver(notification(a, { eventId }))).status).toBe(204);
  const replay = await deliver(notification(b, { eventId }));
  expect(replay).toMatchObject({ status: 400, json: { code: 'FAIL' } });
  expect(await orderDoc(b.outTradeNo)).toMatchObject({ status: 'PENDING', refundable: 0 });
  expect((await orderDoc(b.outTradeNo))!.paymentEventId).toBeUndefined();
  expect(await orderDoc(a.outTradeNo)).toMatchObject({ status: 'PAID', paymentEventId: eventId });
  // The refused delivery is in the log, where staff see the order's trail.
  expect(await db.collection('payment_events').findOne({ eventId })).toMatchObject({ outTradeNo: b.outTradeNo, outcome: 'rejected' });
});
