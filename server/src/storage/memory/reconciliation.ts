// The daily reconciliation's days and differences in memory, with the same conditions as storage/mongo.
import type { ReconciliationDayState, ReconciliationDiff } from '../../../../shared/api';
import type { ReconciliationDayRecord, ReconciliationRepository } from '../../domain/ports/reconciliation';
import { copy } from './ids';

const OPEN: ReconciliationDayState[] = ['pending', 'available', 'failed'];

export function memoryReconciliation(): ReconciliationRepository & { differenceWrites(): number } {
  const days = new Map<string, ReconciliationDayRecord>();
  const diffs = new Map<string, ReconciliationDiff & { date: string; seq: number }>();
  let writes = 0;
  const owned = (date: string, owner: string) => {
    const d = days.get(date);
    return d && OPEN.includes(d.state) && d.claimedBy === owner ? d : undefined;
  };
  return {
    differenceWrites: () => writes,
    async ensureDays(dates, firstAttemptAt, now) {
      for (const date of dates) {
        if (!days.has(date)) days.set(date, { date, state: 'pending', attempts: 0, nextAttemptAt: firstAttemptAt(date), updatedAt: now });
      }
    },
    async claimDue({ now, claimMs, owner, limit }) {
      const due = [...days.values()]
        .filter((d) => OPEN.includes(d.state) && d.nextAttemptAt <= now)
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.date.localeCompare(b.date))
        .slice(0, limit);
      for (const d of due)
        Object.assign(d, { nextAttemptAt: new Date(now.getTime() + claimMs), claimedBy: owner, attempts: d.attempts + 1, updatedAt: now });
      return due.map(copy);
    },
    async retryLater(date, owner, state, nextAttemptAt, error) {
      const d = owned(date, owner);
      if (!d) return false;
      Object.assign(d, { state, nextAttemptAt, updatedAt: new Date() });
      if (error === undefined) delete d.lastError;
      else d.lastError = error;
      return true;
    },
    async complete(date, owner, o, now) {
      if (!owned(date, owner)) return false;
      for (const k of [...diffs.keys()]) if (k.startsWith(`${date}:`)) diffs.delete(k);
      o.differences.forEach((diff, seq) => diffs.set(`${date}:${seq}`, { ...copy(diff), date, seq }));
      writes += 1;
      const d = owned(date, owner);
      if (!d) return false;
      Object.assign(d, {
        state: o.state,
        rows: o.rows,
        sha1: o.sha1,
        totals: copy(o.totals),
        differences: o.differences.length,
        reconciledAt: now,
        settlementCheckAt: o.settlementCheckAt,
        updatedAt: now,
      });
      delete d.lastError;
      return true;
    },
    async claimSettlementChecks({ now, claimMs, limit }) {
      const due = [...days.values()]
        .filter((d) => !d.settlement && d.settlementCheckAt && d.settlementCheckAt <= now)
        .sort((a, b) => a.date.localeCompare(b.date))
        .slice(0, limit);
      for (const d of due) d.settlementCheckAt = new Date(now.getTime() + claimMs);
      return due.map(copy);
    },
    async setSettlement(date, batch, nextCheckAt) {
      const d = days.get(date);
      if (!d) return;
      if (batch) {
        d.settlement = copy(batch);
        delete d.settlementCheckAt;
      } else if (nextCheckAt) d.settlementCheckAt = nextCheckAt;
      else delete d.settlementCheckAt;
      d.updatedAt = new Date();
    },
    async listDays(limit) {
      return [...days.values()]
        .sort((a, b) => b.date.localeCompare(a.date))
        .slice(0, limit)
        .map(copy);
    },
    async findDay(date) {
      const d = days.get(date);
      return d ? copy(d) : null;
    },
    async differences(date) {
      return [...diffs.values()]
        .filter((d) => d.date === date)
        .sort((a, b) => a.seq - b.seq)
        .map(({ date: _d, seq: _s, ...rest }) => copy(rest));
    },
    async lastCompleted() {
      const done = [...days.values()]
        .filter((d) => ['reconciled', 'differences'].includes(d.state))
        .sort((a, b) => b.date.localeCompare(a.date));
      return done[0] ? copy(done[0]) : null;
    },
  };
}
