// GET /metrics end to end: hidden (404) without METRICS_TOKEN, 401 without the bearer token, and after a real
// order is paid in the sandbox the counters show the payment, its amount, the notification and the WeChat Pay
// calls. A request to a random path adds no series (routes are labelled by pattern, never by raw path).
import { randomBytes } from 'node:crypto';
import type { CreateOrderResponse } from '../../../shared/api';
import { startStack, type Stack } from '../../support/stack';

const TOKEN = randomBytes(24).toString('hex');
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ env: { METRICS_TOKEN: TOKEN, PENDING_QUERY_SCHEDULE_SECONDS: '600', ORDER_SYNC_STALE_SECONDS: '600' } });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include `labels`. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

async function scrape(url = stack.backendUrl): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parse(text) };
}

async function waitFor(check: (s: Sample[]) => boolean, ms = 15_000): Promise<Sample[]> {
  const end = Date.now() + ms;
  for (;;) {
    const { samples } = await scrape();
    if (check(samples)) return samples;
    if (Date.now() > end) throw new Error('metrics did not show it in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('401 without the bearer token or with a wrong one', async () => {
  expect((await fetch(`${stack.backendUrl}/metrics`)).status).toBe(401);
  const wrong = await fetch(`${stack.backendUrl}/metrics`, { headers: { authorization: `Bearer ${'x'.repeat(48)}` } });
  expect(wrong.status).toBe(401);
});

test('404 when no METRICS_TOKEN is configured', async () => {
  const other = await stack.addBackend({ METRICS_TOKEN: '', JOBS_ENABLED: 'false' });
  try {
    expect((await fetch(`${other.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${other.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  } finally {
    await other.stop();
  }
});

test('a paid order shows in the counters: state change, amount, notification, WeChat Pay calls, HTTP routes', async () => {
  const token = await stack.loginCustomer('metrics-alice');
  const created = await stack.api('POST', '/api/orders', {
    token,
    body: { items: [{ sku: 'milk-tea', quantity: 2 }], clientRequestId: 'metrics-000001' },
  });
  expect(created.status).toBe(201);
  const { order, payment } = created.json as CreateOrderResponse;
  const paid = await stack.payInSandbox(order.id, payment);
  expect(paid.status).toBeLessThan(300);

  const samples = await waitFor(
    (s) =>
      value(s, 'wechatpay_notifications_total', { kind: 'transaction', event_type: 'TRANSACTION.SUCCESS', status: '204' }) >= 1 &&
      value(s, 'wechatpay_paid_amount_minor_total', { currency: order.currency }) >= order.total,
  );
  expect(value(samples, 'wechatpay_order_state_changes_total', { to: 'PAID' })).toBe(1);
  expect(value(samples, 'wechatpay_paid_amount_minor_total', { currency: order.currency })).toBe(order.total);
  expect(value(samples, 'wechatpay_api_calls_total', { endpoint: 'prepay', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  expect(value(samples, 'wechatpay_api_call_duration_seconds_count', { endpoint: 'prepay', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  expect(value(samples, 'http_requests_total', { method: 'POST', route: '/api/orders', status: '201' })).toBe(1);
  expect(value(samples, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/orders' })).toBe(1);
  expect(
    value(samples, 'http_requests_total', { method: 'POST', route: '/wechatpay/notify/transactions', status: '204' }),
  ).toBeGreaterThanOrEqual(1);
  // Always there: the alerts' counters from zero, the load-shedding pools, a certificate expiry in the future.
  expect(samples.some((s) => s.name === 'wechatpay_orders_flagged_total')).toBe(true);
  expect(value(samples, 'http_requests_shed_total', { pool: 'writes' })).toBe(0);
  expect(value(samples, 'wechatpay_refunds_stuck', { status: 'PENDING' })).toBe(0);
  expect(value(samples, 'wechatpay_platform_certificate_expiry_seconds')).toBeGreaterThan(7 * 86400);
});

test('jobs report their runs', async () => {
  const samples = await waitFor((s) => value(s, 'wechatpay_job_runs_total', { job: 'pending-orders', outcome: 'ok' }) >= 1);
  expect(samples.some((s) => s.name === 'wechatpay_job_lag_seconds' && s.labels.job === 'pending-orders')).toBe(true);
});

test('label cardinality is bounded: random paths add no series', async () => {
  await fetch(`${stack.backendUrl}/no-such-${randomBytes(4).toString('hex')}`);
  await fetch(`${stack.backendUrl}/api/orders/${randomBytes(12).toString('hex')}`);
  const before = (await scrape()).samples.filter((s) => s.name === 'http_requests_total').length;
  const paths = [
    `/x-${randomBytes(6).toString('hex')}`,
    `/api/${randomBytes(6).toString('hex')}`,
    `/wechatpay/notify/${randomBytes(4).toString('hex')}`,
  ];
  for (const p of paths) await fetch(`${stack.backendUrl}${p}`);
  await fetch(`${stack.backendUrl}/api/orders/${randomBytes(12).toString('hex')}`);
  const { text, samples } = await scrape();
  expect(samples.filter((s) => s.name === 'http_requests_total').length).toBe(before);
  for (const p of paths) expect(text).not.toContain(p);
  expect(value(samples, 'http_requests_total', { route: 'unmatched' })).toBeGreaterThanOrEqual(2);
});
