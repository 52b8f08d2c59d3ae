// Daily reconciliation as a job: each statement day (GMT+8) gets a record; from `firstAttemptHour` (GMT+8) of the
// next day the day is due, the statement is downloaded and compared with our books (reconciliation-report.ts), and
// the result and each difference are stored once. A statement not available yet is tried again later; days missed
// (instance down) are caught up within `lookbackDays`. Each day is claimed by one conditional update, so two
// instances never reconcile the same day. Reconciled days are then matched to the settlement batch that settled them.
import type { ReconciliationDay, ReconciliationDiff, SettlementRef, StatementReport } from '../../../shared/api';
import type { CurrencyCode } from '../../../shared/money';
import { providerError } from './order-service';
import { isWechatPayError, type PaymentGateway, type Statement } from './ports/payment-gateway';
import type { OrderRepository } from './ports/orders';
import type { ReconciliationDayRecord, ReconciliationRepository } from './ports/reconciliation';
import type { RefundRepository } from './ports/refunds';
import type { RefundDiscovery } from './refund-discovery';
import { gmt8Day, toMinor } from './reconciliation';
import { compareWithBooks } from './reconciliation-report';

export const NOT_AVAILABLE_CODES = ['NO_STATEMENT_EXIST', 'STATEMENT_CREATING', 'RESOURCE_NOT_EXISTS'];
const DAY_MS = 86400_000;
/** Settlement batches are looked for this long after the trade day, then no more. */
const SETTLEMENT_SEARCH_DAYS = 31;
const SETTLEMENT_PAGE = 30;
const SETTLEMENT_MAX_PAGES = 5;

export interface DailyReconciliationOptions {
  days: ReconciliationRepository;
  orders: OrderRepository;
  refunds: RefundRepository;
  gateway: PaymentGateway;
  currency: string;
  /** Days before yesterday that are still reconciled if missed. */
  lookbackDays: number;
  /** Hour of the next day (GMT+8) from which a day's statement is first asked for. */
  firstAttemptHour: number;
  /** Delay before asking again when the statement is not available (or the attempt failed). */
  retryMs: number;
  /** How long a claim keeps other instances off a day (longer than one download and comparison). */
  claimMs: number;
  /**
   * Attempts after which "no statement" for a day on which we have payments or refunds is final: the day is then
   * compared with an empty statement (every local payment and refund becomes missing_at_wechat).
   */
  maxAttempts: number;
  /**
   * Refunds in the statement that we do not have are looked up with the all-refunds query of their order before
   * the comparison: one made in the merchant platform is then recorded (and counted), not reported missing.
   */
  discovery?: RefundDiscovery;
}

export interface DailyRunResult {
  reconciled: number;
  retried: number;
  failed: number;
  settlements: number;
}

/** yyyyMMdd of the GMT+8 day containing `t`. */
export function gmt8Date(t: Date): string {
  return new Date(t.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
}

function addDays(date: string, n: number): string {
  return gmt8Date(new Date(gmt8Day(date).start.getTime() + n * DAY_MS));
}

export function toDayView(d: ReconciliationDayRecord): ReconciliationDay {
  const v: ReconciliationDay = { date: d.date, state: d.state, attempts: d.attempts };
  if (d.state === 'pending' || d.state === 'available' || d.state === 'failed') v.nextAttemptAt = d.nextAttemptAt.toISOString();
  if (d.rows !== undefined) v.rows = d.rows;
  if (d.sha1 !== undefined) v.sha1 = d.sha1;
  if (d.totals) v.totals = d.totals;
  if (d.differences !== undefined) v.differences = d.differences;
  if (d.lastError) v.lastError = d.lastError;
  if (d.reconciledAt) v.reconciledAt = d.reconciledAt.toISOString();
  if (d.settlement) v.settlement = d.settlement;
  return v;
}

export class DailyReconciliation {
  constructor(private readonly deps: DailyReconciliationOptions) {}

  /** When `date`'s statement is first asked for: firstAttemptHour GMT+8 of the next day. */
  firstAttemptAt(date: string): Date {
    return new Date(gmt8Day(date).end.getTime() + this.deps.firstAttemptHour * 3600_000);
  }

  /** The days the job looks after at `now`: yesterday and the `lookbackDays` before it (GMT+8). */
  daysToWatch(now: Date): string[] {
    const today = gmt8Date(now);
    return Array.from({ length: this.deps.lookbackDays + 1 }, (_, i) => addDays(today, -(i + 1)));
  }

  /** One pass of the job: records the days, reconciles the due ones, then looks for settlement batches. */
  async run(owner: string, now = new Date()): Promise<DailyRunResult> {
    const result: DailyRunResult = { reconciled: 0, retried: 0, failed: 0, settlements: 0 };
    await this.deps.days.ensureDays(this.daysToWatch(now), (d) => this.firstAttemptAt(d), now);
    const claimed = await this.deps.days.claimDue({ now, claimMs: this.deps.claimMs, owner, limit: this.deps.lookbackDays + 1 });
    for (const day of claimed) result[await this.reconcileClaimed(day, owner, now)] += 1;
    result.settlements = await this.matchSettlements(now);
    return result;
  }

  private async reconcileClaimed(day: ReconciliationDayRecord, owner: string, now: Date): Promise<'reconciled' | 'retried' | 'failed'> {
    const later = new Date(now.getTime() + this.deps.retryMs);
    let statement: Pick<Statement, 'rows' | 'sha1'>;
    try {
      statement = await this.deps.gateway.statement(day.date);
    } catch (err) {
      if (!isWechatPayError(err, NOT_AVAILABLE_CODES)) {
        await this.deps.days.retryLater(day.date, owner, 'failed', later, (err as Error).message || 'statement download failed');
        return 'failed';
      }
      // No statement: WeChat writes none for a day without trades; if we have none either, the day is reconciled.
      const creating = isWechatPayError(err, ['STATEMENT_CREATING']);
      if (creating || (day.attempts < this.deps.maxAttempts && (await this.hasBusiness(day.date)))) {
        await this.deps.days.retryLater(day.date, owner, 'pending', later, `${err.code}: ${err.message}`);
        return 'retried';
      }
      statement = { rows: [], sha1: '' };
    }
    if (statement.rows.length) await this.deps.days.retryLater(day.date, owner, 'available', new Date(now.getTime() + this.deps.claimMs));
    let report: StatementReport;
    try {
      if (this.deps.discovery) await this.deps.discovery.checkStatementRows(statement.rows);
      report = await compareWithBooks(this.deps, day.date, statement);
    } catch (err) {
      await this.deps.days.retryLater(day.date, owner, 'failed', later, (err as Error).message);
      return 'failed';
    }
    const fees = statement.rows.reduce((sum, r) => {
      const v = toMinor(r.fee ?? '', r.currency || this.deps.currency);
      return Number.isNaN(v) ? sum : sum + v;
    }, 0);
    const done = await this.deps.days.complete(
      day.date,
      owner,
      {
        state: report.differences.length ? 'differences' : 'reconciled',
        rows: report.rows,
        sha1: report.sha1,
        totals: { ...report.totals, fees, currency: report.totals.currency as CurrencyCode },
        differences: report.differences,
        settlementCheckAt: now,
      },
      now,
    );
    return done ? 'reconciled' : 'retried';
  }

  private async hasBusiness(date: string): Promise<boolean> {
    const { start, end } = gmt8Day(date);
    const [paid, refunds] = await Promise.all([this.deps.orders.paidBetween(start, end), this.deps.refunds.acceptedBetween(start, end)]);
    return paid.length > 0 || refunds.length > 0;
  }

  /** Finds the settlement batch of reconciled days whose batch is not known yet (one settlements query a pass). */
  async matchSettlements(now: Date): Promise<number> {
    const due = await this.deps.days.claimSettlementChecks({ now, claimMs: this.deps.retryMs, limit: 10 });
    if (!due.length) return 0;
    const today = gmt8Date(now);
    const from = due.map((d) => d.date).sort()[0]!;
    let batches: SettlementRef[];
    try {
      batches = await this.settledBatches(from, today);
    } catch {
      return 0; // the claims moved the checks on: tried again after retryMs
    }
    let found = 0;
    for (const d of due) {
      const batch = batches.find((b) => b.tradeStartDate && b.tradeEndDate && b.tradeStartDate <= d.date && d.date <= b.tradeEndDate);
      if (batch) found += 1;
      const giveUp = addDays(d.date, SETTLEMENT_SEARCH_DAYS) < today;
      await this.deps.days.setSettlement(d.date, batch, batch || giveUp ? undefined : new Date(now.getTime() + this.deps.retryMs));
    }
    return found;
  }

  private async settledBatches(from: string, to: string): Promise<SettlementRef[]> {
    const out: SettlementRef[] = [];
    for (let page = 0; page < SETTLEMENT_MAX_PAGES; page++) {
      let list;
      try {
        list = await this.deps.gateway.settlements({
          settle_state: 'SETTLED',
          settle_start_date: from,
          settle_end_date: to,
          limit: SETTLEMENT_PAGE,
          offset: page * SETTLEMENT_PAGE,
        });
      } catch (err) {
        throw providerError(err, 'could not query settlements at WeChat Pay');
      }
      for (const s of list.data) {
        const ref: SettlementRef = { batchId: s.batch_id };
        if (s.settlement_date) ref.settlementDate = s.settlement_date;
        if (s.trade_start_date) ref.tradeStartDate = s.trade_start_date;
        if (s.trade_end_date) ref.tradeEndDate = s.trade_end_date;
        out.push(ref);
      }
      if (list.data.length < SETTLEMENT_PAGE || out.length >= (list.total_count ?? 0)) break;
    }
    return out;
  }

  // ---------- reads for the staff API and metrics ----------

  async listDays(limit = 60): Promise<ReconciliationDay[]> {
    return (await this.deps.days.listDays(limit)).map(toDayView);
  }

  async day(date: string): Promise<{ day: ReconciliationDay; differences: ReconciliationDiff[] } | null> {
    const d = await this.deps.days.findDay(date);
    if (!d) return null;
    return { day: toDayView(d), differences: await this.deps.days.differences(date) };
  }

  /**
   * For the `wechatpay_reconciliation_differences` gauge: the differences of the newest reconciled day (and that
   * day), or null before any day is reconciled.
   */
  async differencesOfLastDay(): Promise<{ date: string; differences: number } | null> {
    const d = await this.deps.days.lastCompleted();
    return d ? { date: d.date, differences: d.differences ?? 0 } : null;
  }
}

/** A day's differences as CSV (header + one line per difference; amounts in minor units). */
export function differencesCsv(date: string, diffs: ReconciliationDiff[]): string {
  const cell = (v: string | number | undefined) => {
    const s = v === undefined ? '' : String(v);
    // Quote when needed; a leading formula character is neutralised for spreadsheets.
    const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const header = ['date', 'kind', 'out_trade_no', 'out_refund_no', 'wechat_state', 'wechat_amount', 'local_state', 'local_amount'];
  const lines = diffs.map((d) =>
    [date, d.kind, d.outTradeNo, d.outRefundNo, d.wechat?.state, d.wechat?.amount, d.local?.state, d.local?.amount].map(cell).join(','),
  );
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
