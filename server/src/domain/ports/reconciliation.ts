// The daily reconciliation's records: one per statement day (its state, attempts, the statement's summary) and
// the day's differences, written once when the day is reconciled (own collection: no array is updated in place).
import type { ReconciliationDayState, ReconciliationDiff, SettlementRef, StatementTotals } from '../../../../shared/api';

export interface ReconciliationDayRecord {
  /** The statement day, yyyyMMdd (GMT+8); unique. */
  date: string;
  state: ReconciliationDayState;
  attempts: number;
  /** When the day is due again (a claim moves it forward). */
  nextAttemptAt: Date;
  claimedBy?: string;
  rows?: number;
  sha1?: string;
  totals?: StatementTotals;
  differences?: number;
  lastError?: string;
  reconciledAt?: Date;
  /** The settlement batch that settled this trade day, once found. */
  settlement?: SettlementRef;
  /** When to look for the settlement batch again (absent: not looking). */
  settlementCheckAt?: Date;
  updatedAt: Date;
}

export interface ReconciliationOutcome {
  state: 'reconciled' | 'differences';
  rows: number;
  sha1: string;
  totals: StatementTotals;
  differences: ReconciliationDiff[];
  settlementCheckAt: Date;
}

export interface ReconciliationRepository {
  /** Adds the days not recorded yet (state pending, due at `firstAttemptAt(date)`); existing days are left alone. */
  ensureDays(dates: string[], firstAttemptAt: (date: string) => Date, now: Date): Promise<void>;
  /**
   * Claims due days not reconciled yet (pending, available or failed with nextAttemptAt <= now): one conditional
   * update per day moves nextAttemptAt to now + claimMs and counts an attempt, so one instance works on a day.
   */
  claimDue(o: { now: Date; claimMs: number; owner: string; limit: number }): Promise<ReconciliationDayRecord[]>;
  /** Records an unfinished attempt (pending, available or failed) by the claim's owner; false if the claim was lost. */
  retryLater(date: string, owner: string, state: 'pending' | 'available' | 'failed', nextAttemptAt: Date, error?: string): Promise<boolean>;
  /**
   * Stores the day's differences and its result, by the claim's owner. The differences are written before the day
   * leaves its unreconciled state, under ids made of the date and their position: a retry after a crash writes the same
   * documents again, never a second set. False if the claim was lost (nothing written).
   */
  complete(date: string, owner: string, outcome: ReconciliationOutcome, now: Date): Promise<boolean>;
  /** Days reconciled whose settlement batch is not known and whose check is due (a claim moves the check on). */
  claimSettlementChecks(o: { now: Date; claimMs: number; limit: number }): Promise<ReconciliationDayRecord[]>;
  /** Records the batch that settled `date`, or (batch undefined) when to look again (undefined: stop looking). */
  setSettlement(date: string, batch: SettlementRef | undefined, nextCheckAt: Date | undefined): Promise<void>;
  /** Newest first. */
  listDays(limit: number): Promise<ReconciliationDayRecord[]>;
  findDay(date: string): Promise<ReconciliationDayRecord | null>;
  /** The day's differences in statement order. */
  differences(date: string): Promise<ReconciliationDiff[]>;
  /** The newest day that is reconciled (with or without differences). */
  lastCompleted(): Promise<ReconciliationDayRecord | null>;
}
