// The daily reconciliation job over the real stack: orders paid and refunded, moved to yesterday (GMT+8) in the
// sandbox's ledger and in our books, one difference planted; the job (two instances on one database) reconciles
// the day once, the staff API lists the day and its difference, and the CSV export carries it.
import mongoose from 'mongoose';
import type { ReconciliationDay, ReconciliationDayDetail, ReconciliationDayList } from '../../../shared/api';
import { startStack, type Stack } from '../../support/stack';
import { paidOrder, waitFor } from '../../support/staff-flow';
import { staffToken } from '../../support/staff';

jest.setTimeout(90_000);

const DAY_MS = 86_400_000;
const gmt8Date = (t: number) => new Date(t + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');

let stack: Stack;
let admin: string;
let db: mongoose.Connection;
let sandboxDb: mongoose.Connection;
const extra: Array<{ url: string; stop(): Promise<void> }> = [];

beforeAll(async () => {
  stack = await startStack({
    env: {
      // The first instance does not reconcile: yesterday would be reconciled (empty) before the test moves
      // its orders there. The two instances added later do.
      RECONCILE_ENABLED: 'false',
      RECONCILE_FIRST_ATTEMPT_HOUR: '0',
      RECONCILE_RETRY_SECONDS: '0.5',
      RECONCILE_LOOKBACK_DAYS: '1',
      JOBS_INTERVAL_MS: '150',
      PENDING_QUERY_SCHEDULE_SECONDS: '600',
      ORDER_SYNC_STALE_SECONDS: '600',
      REFUND_PROCESSING_CHECK_SECONDS: '1',
      REFUND_RETRY_SCHEDULE_SECONDS: '0.5',
    },
    sandbox: { settings: { refundSettleDelaySeconds: 0.2 } },
  });
  admin = await staffToken(stack.backendUrl, stack.dbUri, 'rita', 'admin');
  db = await mongoose.createConnection(stack.dbUri).asPromise();
  sandboxDb = await mongoose.createConnection(stack.sandbox.dbUri).asPromise();
});
afterAll(async () => {
  for (const b of extra) await b.stop();
  await db?.close();
  await sandboxDb?.close();
  await stack?.stop();
});

/** Moves each given Date field of the matching documents one day back. */
async function dayBack(conn: mongoose.Connection, collection: string, filter: object, fields: string[]): Promise<number> {
  const docs = await conn.collection(collection).find(filter).toArray();
  for (const d of docs) {
    const set: Record<string, Date> = {};
    for (const f of fields) if (d[f] instanceof Date) set[f] = new Date((d[f] as Date).getTime() - DAY_MS);
    await conn.collection(collection).updateOne({ _id: d._id }, { $set: set });
  }
  return docs.length;
}

test('yesterday is reconciled once by two instances; the planted difference is listed and exported', async () => {
  const a = await paidOrder(stack, 'daily-amy');
  const b = await paidOrder(stack, 'daily-ben');
  const c = await paidOrder(stack, 'daily-cat');
  const r = await stack.api('POST', `/api/admin/orders/${a.id}/refunds`, {
    token: admin,
    body: { amount: 1000, requestId: `daily-r-${Date.now()}` },
  });
  expect(r.status).toBe(201);
  await waitFor(async () => (await stack.api('GET', `/api/admin/refunds/${r.json.id}`, { token: admin })).json.status === 'SUCCESS');

  // Everything happened yesterday (GMT+8), at WeChat and in our books.
  const yesterday = gmt8Date(Date.now() - DAY_MS);
  const trades = [a.outTradeNo, b.outTradeNo, c.outTradeNo];
  expect(await dayBack(sandboxDb, 'orders', { out_trade_no: { $in: trades } }, ['success_time', 'created_at'])).toBe(3);
  const wxOrders = await sandboxDb.collection('orders').find({ out_trade_no: a.outTradeNo }).toArray();
  expect(await dayBack(sandboxDb, 'refunds', { order_id: { $in: wxOrders.map((o) => o._id) } }, ['created_at', 'success_time'])).toBe(1);
  expect(await dayBack(db, 'orders', { outTradeNo: { $in: trades } }, ['paidAt', 'createdAt'])).toBe(3);
  expect(await dayBack(db, 'refunds', { outTradeNo: a.outTradeNo }, ['acceptedAt', 'createdAt'])).toBe(1);
  // Planted: our books say b was 1 cent more than WeChat charged.
  await db.collection('orders').updateOne({ outTradeNo: b.outTradeNo }, { $inc: { total: 1 } });

  // Two instances reconcile from now on, on the same database.
  const [one, two] = await Promise.all([
    stack.addBackend({ RECONCILE_ENABLED: 'true', INSTANCE_ID: 'recon-one' }),
    stack.addBackend({ RECONCILE_ENABLED: 'true', INSTANCE_ID: 'recon-two' }),
  ]);
  extra.push(one, two);

  const day = await waitFor(
    async () => {
      const list = await stack.api('GET', '/api/admin/reconciliation/days', { token: admin });
      expect(list.status).toBe(200);
      const d = (list.json as ReconciliationDayList).items.find((x) => x.date === yesterday);
      return d && (d.state === 'differences' || d.state === 'reconciled') ? d : undefined;
    },
    30_000,
    'yesterday reconciled',
  );
  expect(day).toMatchObject<Partial<ReconciliationDay>>({ date: yesterday, state: 'differences', attempts: 1 });
  expect(day.rows).toBeGreaterThanOrEqual(4); // 3 payments + 1 refund
  expect(day.sha1).toMatch(/^[0-9a-f]{40}$/);
  expect(day.totals).toMatchObject({ refunds: 1000, currency: 'HKD' });
  expect(day.totals!.payments).toBe(a.total + b.total + c.total);

  const detail = await stack.api('GET', `/api/admin/reconciliation/days/${yesterday}`, { token: admin });
  expect(detail.status).toBe(200);
  const { differences } = detail.json as ReconciliationDayDetail;
  expect(differences).toEqual([
    expect.objectContaining({
      kind: 'amount_differs',
      outTradeNo: b.outTradeNo,
      wechat: expect.objectContaining({ amount: b.total }),
      local: expect.objectContaining({ amount: b.total + 1 }),
    }),
  ]);
  expect(day.differences).toBe(1);

  const csv = await fetch(`${stack.backendUrl}/api/admin/reconciliation/days/${yesterday}/differences.csv`, {
    headers: { Authorization: `Bearer ${admin}` },
  });
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  const lines = (await csv.text()).trim().split(/\r\n/);
  expect(lines[0]).toBe('date,kind,out_trade_no,out_refund_no,wechat_state,wechat_amount,local_state,local_amount');
  expect(lines.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${yesterday},amount_differs,${b.outTradeNo},,`))]);
  expect(lines[1]).toContain(`,${b.total},`);
  expect(lines[1]).toMatch(new RegExp(`,${b.total + 1}$`));

  // A few more passes of both instances change nothing: one claim, one set of differences.
  await new Promise((res) => setTimeout(res, 1500));
  const stored = await db.collection('reconciliation_days').findOne({ _id: yesterday as never });
  expect(stored).toMatchObject({ state: 'differences', attempts: 1, differences: 1 });
  expect(['recon-one', 'recon-two']).toContain(stored!.claimedBy);
  expect(await db.collection('reconciliation_differences').countDocuments({ date: yesterday })).toBe(1);
  const again = (await stack.api('GET', `/api/admin/reconciliation/days/${yesterday}`, { token: admin })).json as ReconciliationDayDetail;
  expect(again.differences).toHaveLength(1);
  expect(again.day.attempts).toBe(1);

  // Unknown days and bad dates.
  expect((await stack.api('GET', '/api/admin/reconciliation/days/20200101', { token: admin })).status).toBe(404);
  expect((await stack.api('GET', '/api/admin/reconciliation/days/2020-01-01', { token: admin })).status).toBe(400);
  expect((await stack.api('GET', '/api/admin/reconciliation/days?x=1', { token: admin })).status).toBe(400);
});
