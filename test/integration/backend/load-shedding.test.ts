// Load shedding against the real backend process, with limits small enough to overflow: one request in flight,
// no queue. A shed request gets a clear, retryable 503 at once and changes nothing; retried, it succeeds.
import { request } from 'node:http';
import mongoose from 'mongoose';
import { startStack, type Stack } from '../../support/stack';

let stack: Stack;
let token: string;
let db: mongoose.Connection;

beforeAll(async () => {
  stack = await startStack({
    env: { JOBS_ENABLED: 'false', ADMISSION_WRITES: '1,0,1000', ADMISSION_READS: '1,0,1000', ADMISSION_NOTIFICATIONS: '1,0,1000' },
  });
  token = await stack.loginCustomer('lou');
  db = await mongoose.createConnection(stack.dbUri).asPromise();
});
afterAll(async () => {
  await db?.close();
  await stack?.stop();
});

async function placeOrder(clientRequestId: string): Promise<Response> {
  return fetch(`${stack.backendUrl}/api/orders`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ items: [{ sku: 'egg-tart', quantity: 1 }], clientRequestId }),
  });
}

test('order creation beyond the limit is refused at once with a retryable 503 and no order; a retry succeeds', async () => {
  const ids = Array.from({ length: 12 }, (_, i) => `shed-order-${i}`);
  const answers = await Promise.all(ids.map(async (id) => ({ id, res: await placeOrder(id) })));
  const created = answers.filter((a) => a.res.status === 201);
  const shed = answers.filter((a) => a.res.status !== 201);
  expect(created.length).toBeGreaterThanOrEqual(1);
  expect(shed.length).toBeGreaterThanOrEqual(1);
  for (const { res } of shed) {
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true, message: expect.any(String) });
  }
  const orders = db.collection('orders');
  expect(await orders.countDocuments({ clientRequestId: { $in: shed.map((a) => a.id) } })).toBe(0);
  for (const { id } of shed) expect((await placeOrder(id)).status).toBe(201);
  expect(await orders.countDocuments({ clientRequestId: { $in: ids } })).toBe(12);
});

test("notifications beyond the limit get 503 in WeChat Pay's error shape, so WeChat delivers them again", async () => {
  // The first delivery holds the only slot while its body is still arriving.
  const { port } = new URL(stack.backendUrl);
  const slow = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/wechatpay/notify/transactions',
    headers: { 'Content-Type': 'application/json', 'Content-Length': '10' },
  });
  const slowAnswer = new Promise<number>((resolve, reject) =>
    slow.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject),
  );
  slow.write('{"id":');
  await new Promise((r) => setTimeout(r, 300));
  const answers = await Promise.all(
    Array.from({ length: 4 }, () =>
      fetch(`${stack.backendUrl}/wechatpay/notify/transactions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"id":"x"}',
      }),
    ),
  );
  for (const a of answers) {
    expect(a.status).toBe(503);
    expect(await a.json()).toEqual({ code: 'FAIL', message: 'busy, retry later' });
  }
  slow.end('"x"}');
  expect(await slowAnswer).toBe(401); // admitted, read and refused: it is unsigned
});

test('health checks are never shed', async () => {
  const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${stack.backendUrl}/healthz`)));
  expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
});
