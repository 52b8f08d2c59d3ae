// Sockets that send headers and then dribble (or never finish) their body, and idle keep-alive sockets, hold
// no admission slot: genuine logins, orders, refunds and WeChat Pay notifications are answered meanwhile, and
// an unfinished body is dropped within a few seconds (408 or the socket closed).
import { connect, type Socket } from 'node:net';
import { startStack, type Stack } from '../../support/stack';
import { staffToken } from '../../support/staff';

let stack: Stack;
const sockets: Socket[] = [];

beforeAll(async () => {
  stack = await startStack({ env: { BODY_TIMEOUT_MS: '3000', ADMISSION_WRITES: '16,64,2000' } });
}, 120_000);
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await stack?.stop();
});

function port(): number {
  return Number(new URL(stack.backendUrl).port);
}

/** Headers and the start of a body, then one byte every `everyMs` (forever). Resolves when the socket ends. */
function dribble(path: string, everyMs = 500): { socket: Socket; ended: Promise<{ status?: number; atMs: number }> } {
  const started = Date.now();
  const socket = connect(port(), '127.0.0.1');
  sockets.push(socket);
  let text = '';
  const timer = setInterval(() => socket.writable && socket.write(' '), everyMs);
  socket.on('data', (d) => (text += d.toString()));
  socket.on('error', () => undefined);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"code":"`);
  const ended = new Promise<{ status?: number; atMs: number }>((done) =>
    socket.on('close', () => {
      clearInterval(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      done({ ...(m ? { status: Number(m[1]) } : {}), atMs: Date.now() - started });
    }),
  );
  return { socket, ended };
}

test('40 dribbling sockets and idle keep-alive sockets: genuine requests are answered; the dribblers are dropped', async () => {
  const customer = await stack.loginCustomer('slow-alice');
  const staff = await staffToken(stack.backendUrl, stack.dbUri, 'slow-admin', 'admin');
  // A paid order to refund later.
  const first = await stack.api('POST', '/api/orders', {
    token: customer,
    body: { items: [{ sku: 'milk-tea', quantity: 1 }], clientRequestId: 'slow-first-0001' },
  });
  if (first.status !== 201) {
    const products = await stack.api('GET', '/api/products');
    throw new Error(`order: ${first.status} ${JSON.stringify(first.json)} ${JSON.stringify(products.json).slice(0, 300)}`);
  }

  const dribblers = [
    ...Array.from({ length: 20 }, () => dribble('/api/auth/login')),
    ...Array.from({ length: 20 }, () => dribble('/wechatpay/notify/transactions')),
  ];
  for (let i = 0; i < 10; i++) sockets.push(connect(port(), '127.0.0.1').on('error', () => undefined));
  await new Promise((r) => setTimeout(r, 500)); // every dribbler has sent its headers

  // Genuine traffic while they dribble: a login, an order, its payment (a WeChat Pay notification), a refund.
  const t0 = Date.now();
  const token = await stack.loginCustomer('slow-bob');
  const order = await stack.api('POST', '/api/orders', {
    token,
    body: { items: [{ sku: first.json.order.items[0].sku, quantity: 1 }], clientRequestId: 'slow-second-0001' },
  });
  expect(order.status).toBe(201);
  const paid = await stack.payInSandbox(order.json.order.id, order.json.payment);
  expect(paid.status).toBeLessThan(300);
  let status = '';
  for (let i = 0; i < 40 && status !== 'PAID'; i++) {
    status = (await stack.api('GET', `/api/orders/${order.json.order.id}`, { token })).json.status;
    if (status !== 'PAID') await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe('PAID');
  const refund = await stack.api('POST', `/api/admin/orders/${order.json.order.id}/refunds`, {
    token: staff,
    body: { amount: 1, requestId: 'slow-refund-0001' },
  });
  expect([200, 201, 202]).toContain(refund.status);
  const genuineMs = Date.now() - t0;
  // Generous: the body deadline is 3 s; before the fix these waited for slots that the dribblers held.
  expect(genuineMs).toBeLessThan(3000);

  // Every dribbler is dropped a little after BODY_TIMEOUT_MS (408, or the socket closed), not after 30-300 s.
  const ends = await Promise.all(dribblers.map((d) => d.ended));
  for (const e of ends) {
    expect(e.atMs).toBeLessThan(10_000);
    if (e.status !== undefined) expect([400, 408]).toContain(e.status);
  }
}, 60_000);
