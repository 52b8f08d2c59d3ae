// Staff reports over the real stack: the dashboard's figures for today and 7 days, the CSV exports of orders and
// refunds (streamed from a cursor, many rows, formula-safe), one search box for order, transaction and refund
// numbers, and their validation and roles.
import mongoose from 'mongoose';
import type { AdminOrderView, AdminRefundView, AdminSearchResult, DashboardReport } from '../../../shared/api';
import { startStack, type Stack } from '../../support/stack';
import { paidOrder, refundStatus } from '../../support/staff-flow';
import { staffToken } from '../../support/staff';

jest.setTimeout(120_000);

let stack: Stack;
let admin: string;
let viewer: string;
let db: mongoose.Connection;
beforeAll(async () => {
  stack = await startStack({ sandbox: { settings: { refundSettleDelaySeconds: 0.2 } }, env: { REFUND_PROCESSING_CHECK_SECONDS: '1' } });
  admin = await staffToken(stack.backendUrl, stack.dbUri, 'rep-admin', 'admin');
  viewer = await staffToken(stack.backendUrl, stack.dbUri, 'rep-viewer', 'viewer');
  db = await mongoose.createConnection(stack.dbUri).asPromise();
});
afterAll(async () => {
  await db?.close();
  await stack?.stop();
});

const HK = 480;
const hkToday = () => new Date(Date.now() + HK * 60_000).toISOString().slice(0, 10);

async function raw(path: string, token?: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${stack.backendUrl}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

let paid1: AdminOrderView;
let refund: AdminRefundView;

test('dashboard: today and 7 days, sales, refunds, net, payments and success rate', async () => {
  const a = await paidOrder(stack, 'rep-a', [{ sku: 'milk-tea', quantity: 2 }]); // 5600
  const b = await paidOrder(stack, 'rep-b', [{ sku: 'egg-tart', quantity: 1 }]); // 950
  // One unpaid order closed: created today, not paid.
  const token = await stack.loginCustomer('rep-c');
  const created = await stack.api('POST', '/api/orders', {
    token,
    body: { items: [{ sku: 'egg-tart', quantity: 1 }], clientRequestId: `rep-c-${Date.now()}` },
  });
  expect((await stack.api('POST', `/api/admin/orders/${created.json.order.id}/close`, { token: admin, body: {} })).status).toBe(200);
  const r = await stack.api('POST', `/api/admin/orders/${a.id}/refunds`, {
    token: admin,
    body: { amount: 1000, requestId: `rep-refund-${Date.now()}`, reason: '=HYPERLINK("x")' },
  });
  expect(r.status).toBe(201);
  refund = await refundStatus(stack, admin, r.json.id, 'SUCCESS');
  paid1 = (await stack.api('GET', `/api/admin/orders/${a.id}`, { token: admin })).json;

  const today = await stack.api('GET', `/api/admin/dashboard?days=1&utcOffset=${HK}`, { token: viewer });
  expect(today.status).toBe(200);
  const d = today.json as DashboardReport;
  expect(d).toMatchObject({ days: 1, utcOffset: HK, currency: 'HKD' });
  expect(d.totals).toMatchObject({
    sales: 5600 + 950,
    refunds: 1000,
    net: 5600 + 950 - 1000,
    payments: 2,
    created: { paid: 2, closed: 1, failed: 0, pending: 0 },
  });
  expect(d.totals.paymentSuccessRate).toBeCloseTo(2 / 3, 5);
  expect(d.perDay).toEqual([{ date: hkToday(), sales: 6550, refunds: 1000, net: 5550, payments: 2 }]);
  expect(b.status).toBe('PAID');

  const week = (await stack.api('GET', `/api/admin/dashboard?days=7&utcOffset=${HK}`, { token: viewer })).json as DashboardReport;
  expect(week.perDay).toHaveLength(7);
  expect(week.perDay.at(-1)).toMatchObject({ date: hkToday(), sales: 6550 });
  expect(week.perDay.slice(0, 6).every((x) => x.sales === 0 && x.payments === 0)).toBe(true);
  expect(Date.parse(week.to) - Date.parse(week.from)).toBe(7 * 86_400_000);

  // Validation: only 1, 7 or 30 days; unknown parameters refused; staff only.
  expect((await stack.api('GET', '/api/admin/dashboard?days=5', { token: viewer })).json.code).toBe('VALIDATION_FAILED');
  expect((await stack.api('GET', '/api/admin/dashboard?days=7&x=1', { token: viewer })).status).toBe(400);
  expect((await stack.api('GET', '/api/admin/dashboard?days=7')).status).toBe(401);
});

test('search finds an order by its number, WeChat transaction id, refund number and WeChat refund id', async () => {
  expect(paid1.transactionId).toBeTruthy();
  const find = async (q: string) =>
    (await stack.api('GET', `/api/admin/search?q=${encodeURIComponent(q)}`, { token: viewer })).json as AdminSearchResult;
  for (const [q, by] of [
    [paid1.outTradeNo, 'outTradeNo'],
    [paid1.transactionId!, 'transactionId'],
    [refund.outRefundNo, 'outRefundNo'],
    ...(refund.refundId ? [[refund.refundId, 'refundId']] : []),
  ] as [string, string][]) {
    const res = await find(q);
    expect({ q, by: res.matchedBy, ids: res.items.map((o) => o.id) }).toEqual({ q, by, ids: [paid1.id] });
  }
  expect(await find('NOPE123')).toMatchObject({ items: [], total: 0, matchedBy: null });
  expect((await stack.api('GET', '/api/admin/search?q=%3Cscript%3E', { token: viewer })).json.code).toBe('VALIDATION_FAILED');
  expect((await stack.api('GET', '/api/admin/search?q=abc')).status).toBe(401);
});

test('CSV exports of orders and refunds for a date range: streamed, formula-safe, audited', async () => {
  const day = hkToday();
  const orders = await raw(`/api/admin/export/orders.csv?from=${day}&to=${day}&utcOffset=${HK}`, viewer);
  expect(orders.status).toBe(200);
  expect(orders.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(orders.headers.get('content-disposition')).toBe(`attachment; filename="orders-${day}-to-${day}.csv"`);
  expect(orders.headers.get('content-length')).toBeNull(); // streamed (chunked), not built in memory
  const lines = orders.text
    .replace(/^\uFEFF/, '')
    .trimEnd()
    .split('\r\n');
  expect(lines[0]).toBe(
    'out_trade_no,transaction_id,status,source,created_at,paid_at,closed_at,currency,total,refunded,refundable,description',
  );
  expect(lines).toHaveLength(1 + 3);
  const row = lines.find((l) => l.startsWith(paid1.outTradeNo))!;
  expect(row).toContain(`,${paid1.transactionId},PAID,`);
  expect(row).toContain(',HKD,56.00,10.00,46.00,');

  const refunds = await raw(`/api/admin/export/refunds.csv?from=${day}&to=${day}&utcOffset=${HK}`, viewer);
  const rl = refunds.text
    .replace(/^\uFEFF/, '')
    .trimEnd()
    .split('\r\n');
  expect(rl[0]).toBe('out_refund_no,refund_id,out_trade_no,status,created_at,succeeded_at,currency,amount,reason,created_by');
  expect(rl).toHaveLength(2);
  // A reason that a spreadsheet would run as a formula is written as text.
  expect(rl[1]).toContain(`${refund.outRefundNo},`);
  expect(rl[1]).toContain(`,SUCCESS,`);
  expect(rl[1]).toContain(`,HKD,10.00,"'=HYPERLINK(""x"")",rep-admin`);

  // An empty range is just the header; validation names the field.
  const empty = await raw('/api/admin/export/orders.csv?from=2020-01-01&to=2020-01-31', viewer);
  expect(
    empty.text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n'),
  ).toHaveLength(1);
  const bad = await stack.api('GET', '/api/admin/export/orders.csv?from=2024-02-30&to=2024-03-01', { token: viewer });
  expect(bad.json).toMatchObject({ code: 'VALIDATION_FAILED' });
  expect(
    (await stack.api('GET', '/api/admin/export/orders.csv?from=2024-03-02&to=2024-03-01', { token: viewer })).json.details.fields.to,
  ).toMatch(/before/);
  expect(
    (await stack.api('GET', '/api/admin/export/orders.csv?from=2020-01-01&to=2024-03-01', { token: viewer })).json.details.fields.to,
  ).toMatch(/366/);
  expect((await raw(`/api/admin/export/orders.csv?from=${day}&to=${day}`)).status).toBe(401);
  expect((await stack.api('GET', '/api/admin/export/payments.csv', { token: viewer })).status).toBe(404);
  const audit = await db.collection('audit_log').find({ action: 'report.export', actor: 'rep-viewer' }).toArray();
  expect(audit.length).toBeGreaterThanOrEqual(2);
});

test('a large export streams every row in order from a cursor', async () => {
  // 5,000 orders on one past day (the cursor reads 500 at a time), written straight to the database.
  const N = 5_000;
  const base = Date.parse('2021-03-04T00:00:00+08:00');
  const docs = Array.from({ length: N }, (_, i) => ({
    outTradeNo: `BULK${String(i).padStart(8, '0')}`,
    customerOpenid: 'bulk',
    clientRequestId: `bulk-${i}`,
    items: [],
    description: 'bulk',
    total: 100 + i,
    currency: 'HKD',
    status: 'CLOSED',
    source: 'miniprogram',
    createdAt: new Date(base + i * 1000),
    updatedAt: new Date(base + i * 1000),
    expiresAt: new Date(base + i * 1000),
    syncAttempts: 0,
    refundable: 0,
    refundReserved: 0,
    refunded: 0,
    refundCount: 0,
    refundHolds: [],
  }));
  for (let i = 0; i < N; i += 1000) await db.collection('orders').insertMany(docs.slice(i, i + 1000), { ordered: false });
  const res = await fetch(`${stack.backendUrl}/api/admin/export/orders.csv?from=2021-03-04&to=2021-03-04&utcOffset=${HK}`, {
    headers: { Authorization: `Bearer ${admin}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-length')).toBeNull();
  // Read it as a stream, as a browser's download would, counting rows without keeping them.
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let rest = '';
  let rows = 0;
  let chunks = 0;
  let last = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    const parts = (rest + decoder.decode(value, { stream: true })).split('\r\n');
    rest = parts.pop() ?? '';
    for (const p of parts) {
      rows++;
      last = p;
    }
  }
  expect(rest).toBe('');
  expect(rows).toBe(1 + N);
  expect(chunks).toBeGreaterThan(1);
  expect(last.startsWith(`BULK${String(N - 1).padStart(8, '0')},`)).toBe(true);
  expect(last).toContain(`,HKD,${((100 + N - 1) / 100).toFixed(2)},0.00,0.00,bulk`);
});
