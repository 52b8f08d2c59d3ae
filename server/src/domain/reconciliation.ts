// A day's statement against our books. The statement (verified by the client: SHA-1 and signature) lists
// payments (no out_refund_no) and refunds (with one); we compare by out_trade_no / out_refund_no:
//   missing_locally   WeChat has it, we do not (or we do not think it was paid)
//   missing_at_wechat we have it for that day, WeChat does not
//   amount_differs / state_differs
import type { ReconciliationDiff, StatementReport } from '../../../shared/api';
import { currencyExponent } from '../../../shared/money';
import { normalizeRefundStatus, type StatementRow } from './ports/payment-gateway';

export interface LocalOrder {
  outTradeNo: string;
  status: string;
  total: number;
}
export interface LocalRefund {
  outRefundNo: string;
  outTradeNo: string;
  status: string;
  amount: number;
}

/** "12.34" in a currency's major unit -> 1234, without floating point. */
export function toMinor(major: string, currency: string): number {
  const exp = currencyExponent(currency);
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(major.trim());
  if (!m) return Number.NaN;
  const frac = (m[3] ?? '').padEnd(exp, '0');
  if (frac.length > exp && /[1-9]/.test(frac.slice(exp))) return Number.NaN;
  const v = Number(m[2]) * 10 ** exp + (exp ? Number(frac.slice(0, exp)) : 0);
  return m[1] ? -v : v;
}

/** The GMT+8 day yyyyMMdd as a UTC time range [start, end). */
export function gmt8Day(date: string): { start: Date; end: Date } {
  const start = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T00:00:00+08:00`);
  return { start, end: new Date(start.getTime() + 86400_000) };
}

function localRefundState(s: string): string {
  return s === 'PENDING' ? 'PROCESSING' : s;
}

export function reconcile(
  date: string,
  sha1: string,
  rows: StatementRow[],
  currency: string,
  /** Our orders paid that day plus any order the statement names. */
  orders: LocalOrder[],
  ordersPaidThatDay: Set<string>,
  /** Our refunds created that day (accepted ones) plus any refund the statement names. */
  refunds: LocalRefund[],
  refundsThatDay: Set<string>,
): StatementReport {
  const diffs: ReconciliationDiff[] = [];
  const orderBy = new Map(orders.map((o) => [o.outTradeNo, o]));
  const refundBy = new Map(refunds.map((r) => [r.outRefundNo, r]));
  const seenPayments = new Set<string>();
  const seenRefunds = new Set<string>();
  let payments = 0;
  let refundsTotal = 0;
  let fileCurrency = currency;
  for (const row of rows) {
    const c = row.currency || currency;
    fileCurrency = c;
    if (row.out_refund_no) {
      const amount = toMinor(row.refund_amount, c);
      refundsTotal += Number.isNaN(amount) ? 0 : amount;
      seenRefunds.add(row.out_refund_no);
      const state = normalizeRefundStatus(row.refund_status) ?? row.refund_status;
      const local = refundBy.get(row.out_refund_no);
      const wechat = { state, amount };
      if (!local) diffs.push({ kind: 'missing_locally', outTradeNo: row.out_trade_no, outRefundNo: row.out_refund_no, wechat });
      else if (local.amount !== amount)
        diffs.push({
          kind: 'amount_differs',
          outTradeNo: row.out_trade_no,
          outRefundNo: row.out_refund_no,
          wechat,
          local: { state: local.status, amount: local.amount },
        });
      else if (localRefundState(local.status) !== state)
        diffs.push({
          kind: 'state_differs',
          outTradeNo: row.out_trade_no,
          outRefundNo: row.out_refund_no,
          wechat,
          local: { state: local.status, amount: local.amount },
        });
      continue;
    }
    const amount = toMinor(row.total_amount, c);
    payments += Number.isNaN(amount) ? 0 : amount;
    seenPayments.add(row.out_trade_no);
    const local = orderBy.get(row.out_trade_no);
    const wechat = { state: row.trade_state, amount };
    if (!local) diffs.push({ kind: 'missing_locally', outTradeNo: row.out_trade_no, wechat });
    else if (local.total !== amount)
      diffs.push({ kind: 'amount_differs', outTradeNo: row.out_trade_no, wechat, local: { state: local.status, amount: local.total } });
    else if (local.status !== 'PAID')
      diffs.push({ kind: 'state_differs', outTradeNo: row.out_trade_no, wechat, local: { state: local.status, amount: local.total } });
  }
  for (const o of orders) {
    if (ordersPaidThatDay.has(o.outTradeNo) && !seenPayments.has(o.outTradeNo)) {
      diffs.push({ kind: 'missing_at_wechat', outTradeNo: o.outTradeNo, local: { state: o.status, amount: o.total } });
    }
  }
  for (const r of refunds) {
    if (refundsThatDay.has(r.outRefundNo) && !seenRefunds.has(r.outRefundNo)) {
      diffs.push({
        kind: 'missing_at_wechat',
        outTradeNo: r.outTradeNo,
        outRefundNo: r.outRefundNo,
        local: { state: r.status, amount: r.amount },
      });
    }
  }
  return { date, rows: rows.length, sha1, totals: { payments, refunds: refundsTotal, currency: fileCurrency }, differences: diffs };
}
