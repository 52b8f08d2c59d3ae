// The metrics module in process: configuration of METRICS_TOKEN/METRICS_ADDR, the WeChat Pay call decorator, the
// repository observers (state changes, amounts, flags, stuck refunds), job runs and the separate listener.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../../server/src/config';
import type { PaymentGateway } from '../../../server/src/domain/ports/payment-gateway';
import { WechatPayError } from '../../../server/src/domain/ports/payment-gateway';
import { instrumentGateway } from '../../../server/src/gateway/instrumented-gateway';
import { createMetrics } from '../../../server/src/metrics';
import { bearerMatches, metricsListener } from '../../../server/src/metrics/http';
import { instrumentJob, observeRefunds } from '../../../server/src/metrics/observers';
import { memoryRefunds } from '../../../server/src/storage/memory/refunds';
import { refusingGateway, TEST_ENV } from '../../support/backend-app';

const TOKEN = 'm'.repeat(40);

async function text(metrics = createMetrics()) {
  return metrics.registry.metrics();
}

test('METRICS_TOKEN must be at least 32 characters; METRICS_ADDR must be host:port; empty means unset', () => {
  expect(() => loadConfig({ ...TEST_ENV, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 32 characters/);
  expect(() => loadConfig({ ...TEST_ENV, METRICS_ADDR: '9464' })).toThrow(/METRICS_ADDR/);
  expect(() => loadConfig({ ...TEST_ENV, METRICS_ADDR: '127.0.0.1:70000' })).toThrow(/METRICS_ADDR/);
  const c = loadConfig({ ...TEST_ENV, METRICS_TOKEN: TOKEN, METRICS_ADDR: '[::1]:9464' });
  expect(c.METRICS_TOKEN).toBe(TOKEN);
  expect(c.METRICS_ADDR).toBe('[::1]:9464');
  const off = loadConfig({ ...TEST_ENV, METRICS_TOKEN: '', METRICS_ADDR: '' });
  expect(off.METRICS_TOKEN).toBeUndefined();
  expect(off.METRICS_ADDR).toBeUndefined();
});

test('bearer token comparison', () => {
  expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
  expect(bearerMatches(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
  expect(bearerMatches(TOKEN, TOKEN)).toBe(false);
  expect(bearerMatches(undefined, TOKEN)).toBe(false);
});

test('WeChat Pay calls are counted by endpoint and outcome (the error kind)', async () => {
  const metrics = createMetrics();
  const inner: PaymentGateway = {
    ...refusingGateway(),
    prepay: async () => ({ prepayId: 'wx1' }),
    queryByOutTradeNo: () => Promise.reject(new WechatPayError({ kind: 'timeout', code: 'TIMEOUT', message: 'slow' })),
  };
  const gw = instrumentGateway(inner, metrics);
  await gw.prepay({ outTradeNo: 'o', description: 'd', total: 1, currency: 'HKD', openid: 'x', timeExpire: new Date() });
  await expect(gw.queryByOutTradeNo('o')).rejects.toThrow('slow');
  await expect(gw.refund({} as never)).rejects.toThrow();
  expect(gw.identity).toEqual(inner.identity);
  const t = await text(metrics);
  expect(t).toContain('wechatpay_api_calls_total{endpoint="prepay",outcome="ok"} 1');
  expect(t).toContain('wechatpay_api_calls_total{endpoint="query_order",outcome="timeout"} 1');
  expect(t).toContain('wechatpay_api_calls_total{endpoint="refund",outcome="error"} 1');
});

test('refund state changes, refunded amounts and stuck refunds', async () => {
  const repo = memoryRefunds();
  const metrics = createMetrics({ stuckRefunds: (before) => repo.countStuck(before), now: () => Date.now() + 2 * 3600_000 });
  const refunds = observeRefunds(repo, metrics.events);
  const base = { orderId: 'o1', outTradeNo: 't1', amount: 500, currency: 'HKD', orderTotal: 900, createdBy: 'staff' };
  const a = await refunds.insert({ ...base, outRefundNo: 'r1', requestId: 'q1' }, new Date());
  const b = await refunds.insert({ ...base, outRefundNo: 'r2', requestId: 'q2' }, new Date());
  if (a === 'duplicate' || b === 'duplicate') throw new Error('unexpected duplicate');
  expect(await refunds.update(a.id, { status: 'PENDING' }, { set: { status: 'PROCESSING' } })).toBe(true);
  expect(await refunds.update(a.id, { status: 'PROCESSING' }, { set: { status: 'SUCCESS' } })).toBe(true);
  expect(await refunds.update(a.id, { status: 'PROCESSING' }, { set: { status: 'SUCCESS' } })).toBe(false); // guard false: no count
  expect(await refunds.update(b.id, { status: 'PENDING' }, { set: { status: 'PENDING', attempts: 2 } })).toBe(true); // no move
  await new Promise((r) => setImmediate(r));
  const t = await text(metrics);
  expect(t).toContain('wechatpay_refund_state_changes_total{to="PENDING"} 2');
  expect(t).toContain('wechatpay_refund_state_changes_total{to="PROCESSING"} 1');
  expect(t).toContain('wechatpay_refund_state_changes_total{to="SUCCESS"} 1');
  expect(t).toContain('wechatpay_refunded_amount_minor_total{currency="HKD"} 500');
  // Two hours later (the clock above): refund b is still PENDING.
  expect(t).toContain('wechatpay_refunds_stuck{status="PENDING"} 1');
  expect(t).toContain('wechatpay_refunds_stuck{status="ABNORMAL"} 0');
});

test('refunds waiting for staff: their own gauge, not counted as stuck', async () => {
  const repo = memoryRefunds();
  const metrics = createMetrics({
    stuckRefunds: (before) => repo.countStuck(before),
    awaitingStaffRefunds: () => repo.countAwaitingStaff(),
    now: () => Date.now() + 2 * 3600_000,
  });
  const base = { orderId: 'o1', outTradeNo: 't1', amount: 500, currency: 'HKD', orderTotal: 900, createdBy: 'staff' };
  const a = await repo.insert({ ...base, outRefundNo: 'w1', requestId: 'w1' }, new Date());
  if (a === 'duplicate') throw new Error('unexpected duplicate');
  expect(await text(metrics)).toContain('wechatpay_refunds_awaiting_staff 0');
  expect(await repo.update(a.id, { status: 'PENDING', awaitingStaff: false }, { set: { awaitingStaff: 'NOT_ENOUGH' } })).toBe(true);
  const t = await text(metrics);
  expect(t).toContain('wechatpay_refunds_awaiting_staff 1');
  expect(t).toContain('wechatpay_refunds_stuck{status="PENDING"} 0');
});

test('job runs, failures and lag; certificate expiry absent without certificates, present with one', async () => {
  const metrics = createMetrics();
  const ok = instrumentJob({ name: 'a', intervalMs: 1000, run: async () => ({ done: 1 }) }, metrics);
  const bad = instrumentJob({ name: 'b', intervalMs: 1000, run: () => Promise.reject(new Error('db down')) }, metrics);
  await ok.run();
  await expect(bad.run()).rejects.toThrow('db down');
  const t = await text(metrics);
  expect(t).toContain('wechatpay_job_runs_total{job="a",outcome="ok"} 1');
  expect(t).toContain('wechatpay_job_runs_total{job="b",outcome="failed"} 1');
  expect(t).toMatch(/wechatpay_job_lag_seconds\{job="a"\} \d/);
  expect(t).not.toMatch(/wechatpay_job_lag_seconds\{job="b"\}/);
  expect(t).not.toMatch(/^wechatpay_platform_certificate_expiry_seconds[ {]/m);

  const now = Date.now();
  const withCert = createMetrics({ newestCertificate: () => ({ serial: 'ABC', notAfter: new Date(now + 86400_000) }), now: () => now });
  expect(await text(withCert)).toMatch(/^wechatpay_platform_certificate_expiry_seconds\{serial="ABC"\} 86400$/m);
});

test('the separate metrics listener: only GET /metrics, with the token when one is set', async () => {
  const metrics = createMetrics();
  const server = createServer(metricsListener(metrics, TOKEN));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/other`)).status).toBe(404);
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('wechatpay_orders_flagged_total 0');
  } finally {
    server.close();
  }
});

test('registries are per instance: two apps do not clash', async () => {
  const one = createMetrics();
  const two = createMetrics();
  one.events.orderFlagged();
  expect(await text(one)).toContain('wechatpay_orders_flagged_total 1');
  expect(await text(two)).toContain('wechatpay_orders_flagged_total 0');
});
