// The staff dashboard (sales, refunds, net, payments and payment success rate per day) and the CSV exports of
// orders and refunds. Pure logic over a narrow source this file declares; the mongoose side is in
// models/dashboard-queries.ts. Rows are folded or written one at a time, so no export ever holds its rows.
import type { DashboardDay, DashboardReport } from '../../../shared/api';
import { currencyExponent } from '../../../shared/money';

export interface PaidOrderRow {
  paidAt: Date;
  total: number;
}
export interface SucceededRefundRow {
  succeededAt: Date;
  amount: number;
}
export interface OrderExportRow {
  outTradeNo: string;
  transactionId?: string;
  status: string;
  source?: string;
  description?: string;
  currency: string;
  total: number;
  refunded?: number;
  refundable?: number;
  createdAt: Date;
  paidAt?: Date;
  closedAt?: Date;
}
export interface RefundExportRow {
  outRefundNo: string;
  refundId?: string;
  outTradeNo: string;
  status: string;
  currency: string;
  amount: number;
  reason?: string;
  createdBy?: string;
  createdAt: Date;
  succeededAt?: Date;
}

/** What the dashboard and the exports read. Instants are [from, to). */
export interface ReportSource {
  paidOrders(from: Date, to: Date): AsyncIterable<PaidOrderRow>;
  succeededRefunds(from: Date, to: Date): AsyncIterable<SucceededRefundRow>;
  /** Orders created in [from, to), counted by status. */
  createdByStatus(from: Date, to: Date): Promise<{ paid: number; failed: number; closed: number; pending: number }>;
  ordersCreated(from: Date, to: Date): AsyncIterable<OrderExportRow>;
  refundsCreated(from: Date, to: Date): AsyncIterable<RefundExportRow>;
}

export const DASHBOARD_DAYS = [1, 7, 30] as const;
export const DEFAULT_UTC_OFFSET = 480; // GMT+8: WeChat Pay's statement and settlement day
export const MAX_EXPORT_DAYS = 366;

const DAY_MS = 86_400_000;

/** yyyy-mm-dd of the instant `t` in the zone `utcOffset` minutes east of UTC. */
export function localDay(t: Date | number, utcOffset: number): string {
  return new Date(new Date(t).getTime() + utcOffset * 60_000).toISOString().slice(0, 10);
}

/** The instant the local day `yyyy-mm-dd` starts, in the zone `utcOffset` minutes east of UTC. */
export function localDayStart(day: string, utcOffset: number): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - utcOffset * 60_000);
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

export async function dashboard(
  source: ReportSource,
  opts: { days: number; utcOffset: number; currency: string; now?: Date },
): Promise<DashboardReport> {
  const now = opts.now ?? new Date();
  const today = localDay(now, opts.utcOffset);
  const firstDay = addDays(today, 1 - opts.days);
  const from = localDayStart(firstDay, opts.utcOffset);
  const to = localDayStart(addDays(today, 1), opts.utcOffset);
  const perDay = new Map<string, DashboardDay>();
  for (let i = 0; i < opts.days; i++) {
    const date = addDays(firstDay, i);
    perDay.set(date, { date, sales: 0, refunds: 0, net: 0, payments: 0 });
  }
  const bucket = (t: Date) => perDay.get(localDay(t, opts.utcOffset));
  const [, , created] = await Promise.all([
    (async () => {
      for await (const o of source.paidOrders(from, to)) {
        const d = bucket(o.paidAt);
        if (!d) continue;
        d.sales += o.total;
        d.payments += 1;
      }
    })(),
    (async () => {
      for await (const r of source.succeededRefunds(from, to)) {
        const d = bucket(r.succeededAt);
        if (d) d.refunds += r.amount;
      }
    })(),
    source.createdByStatus(from, to),
  ]);
  const days = [...perDay.values()];
  for (const d of days) d.net = d.sales - d.refunds;
  const sum = (k: 'sales' | 'refunds' | 'payments') => days.reduce((s, d) => s + d[k], 0);
  const decided = created.paid + created.failed + created.closed;
  const sales = sum('sales');
  const refunds = sum('refunds');
  return {
    days: opts.days,
    utcOffset: opts.utcOffset,
    from: from.toISOString(),
    to: to.toISOString(),
    currency: opts.currency,
    totals: {
      sales,
      refunds,
      net: sales - refunds,
      payments: sum('payments'),
      created,
      paymentSuccessRate: decided ? created.paid / decided : null,
    },
    perDay: days,
  };
}

// ---------- CSV ----------

/** Integer minor units as a plain major-unit decimal ("12.50"; "500" for JPY): what a spreadsheet reads. */
export function majorUnits(minor: number | undefined, currency: string): string {
  if (minor === undefined) return '';
  const exp = currencyExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(minor));
  if (exp === 0) return `${sign}${abs}`;
  return `${sign}${Math.floor(abs / 10 ** exp)}.${String(abs % 10 ** exp).padStart(exp, '0')}`;
}

/**
 * One CSV field (RFC 4180 quoting). Text that a spreadsheet would run as a formula (= + - @, tab, CR at the
 * start) is prefixed with an apostrophe: descriptions and reasons come from people.
 */
export function csvField(v: string | number | undefined | null): string {
  if (v === undefined || v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const iso = (d: Date | undefined) => (d ? d.toISOString() : '');
const line = (cells: (string | number | undefined)[]) => `${cells.map(csvField).join(',')}\r\n`;

export const ORDER_CSV_COLUMNS = [
  'out_trade_no',
  'transaction_id',
  'status',
  'source',
  'created_at',
  'paid_at',
  'closed_at',
  'currency',
  'total',
  'refunded',
  'refundable',
  'description',
];
export const REFUND_CSV_COLUMNS = [
  'out_refund_no',
  'refund_id',
  'out_trade_no',
  'status',
  'created_at',
  'succeeded_at',
  'currency',
  'amount',
  'reason',
  'created_by',
];

/** The orders created in [from, to) as CSV text, one row per yield (a byte order mark first, for spreadsheets). */
export async function* ordersCsv(source: ReportSource, from: Date, to: Date): AsyncGenerator<string> {
  yield `\uFEFF${line(ORDER_CSV_COLUMNS)}`;
  for await (const o of source.ordersCreated(from, to)) {
    yield line([
      o.outTradeNo,
      o.transactionId,
      o.status,
      o.source,
      iso(o.createdAt),
      iso(o.paidAt),
      iso(o.closedAt),
      o.currency,
      majorUnits(o.total, o.currency),
      majorUnits(o.refunded ?? 0, o.currency),
      majorUnits(o.refundable ?? 0, o.currency),
      o.description,
    ]);
  }
}

export async function* refundsCsv(source: ReportSource, from: Date, to: Date): AsyncGenerator<string> {
  yield `\uFEFF${line(REFUND_CSV_COLUMNS)}`;
  for await (const r of source.refundsCreated(from, to)) {
    yield line([
      r.outRefundNo,
      r.refundId,
      r.outTradeNo,
      r.status,
      iso(r.createdAt),
      iso(r.succeededAt),
      r.currency,
      majorUnits(r.amount, r.currency),
      r.reason,
      r.createdBy,
    ]);
  }
}
