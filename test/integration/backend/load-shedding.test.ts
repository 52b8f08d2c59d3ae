// Load shedding against the real backend process, with limits small enough to overflow: one request in flight,
// no queue. A shed request gets a clear, retryable 503 at once and changes nothing; retried, it succeeds.
import mongoose from 'mongoose';
import { refusingGateway, testBackend } from '../../support/backend-app';
import { serve } from '../../support/http';
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
  // One notification at a time and no queue, and a verification that takes a while (a port that answers after
  // 300 ms): deliveries arriving meanwhile are shed. Bodies are read before admission, so a slow body cannot hold
  // the slot (slow-clients.test.ts); a slow verification can.
  const slowParser = {
    ...refusingGateway(),
    parseNotification: () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('verification unavailable')), 300)),
  };
  const app = testBackend({ gateway: slowParser, env: { ADMISSION_NOTIFICATIONS: '1,0,1000' } }).app;
  const http = await serve(app.callback());
  try {
    const post = () =>
      fetch(`${http.url}/wechatpay/notify/transactions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"id":"x"}',
      });
    const first = post();
    await new Promise((r) => setTimeout(r, 100));
    const answers = await Promise.all(Array.from({ length: 4 }, post));
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(await a.json()).toEqual({ code: 'FAIL', message: 'busy, retry later' });
    }
    expect((await first).status).toBe(500); // admitted; our verification failed, so WeChat Pay retries it
  } finally {
    await http.close();
  }
});

test('health checks are never shed', async () => {
  const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${stack.backendUrl}/healthz`)));
  expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
});
