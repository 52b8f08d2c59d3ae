// The daily reconciliation's days and differences on MongoDB. Every change to a day is one conditional update
// (claims on the value of nextAttemptAt read; results only by the claim's owner while the day is open).
import type { Connection } from 'mongoose';
import type { ReconciliationDayState, ReconciliationDiff } from '../../../../shared/api';
import type { ReconciliationDayRecord, ReconciliationRepository } from '../../domain/ports/reconciliation';
import { isDuplicateKeyError } from './errors';
import {
  reconciliationDayModel,
  reconciliationDiffModel,
  type ReconciliationDayDoc,
  type ReconciliationDiffDoc,
} from './models/reconciliation';

const OPEN: ReconciliationDayState[] = ['pending', 'available', 'failed'];

function toRecord(d: ReconciliationDayDoc): ReconciliationDayRecord {
  const { _id, ...rest } = d;
  const r: ReconciliationDayRecord = { date: _id, ...rest };
  for (const k of Object.keys(r) as Array<keyof ReconciliationDayRecord>) if (r[k] === null || r[k] === undefined) delete r[k];
  return r;
}

function toDiff(d: ReconciliationDiffDoc): ReconciliationDiff {
  const out: ReconciliationDiff = { kind: d.kind, outTradeNo: d.outTradeNo };
  if (d.outRefundNo) out.outRefundNo = d.outRefundNo;
  if (d.wechat) out.wechat = d.wechat;
  if (d.local) out.local = d.local;
  return out;
}

export function mongoReconciliation(conn: Connection): ReconciliationRepository & { init(): Promise<unknown> } {
  const Day = reconciliationDayModel(conn);
  const Diff = reconciliationDiffModel(conn);
  return {
    init: () => Promise.all([Day.init(), Diff.init()]),
    async ensureDays(dates, firstAttemptAt, now) {
      const have = new Set((await Day.find({ _id: { $in: dates } }, { _id: 1 }).lean()).map((d) => d._id));
      for (const date of dates.filter((d) => !have.has(d))) {
        try {
          await Day.create({ _id: date, state: 'pending', attempts: 0, nextAttemptAt: firstAttemptAt(date), updatedAt: now });
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err; // another instance added it
        }
      }
    },
    async claimDue({ now, claimMs, owner, limit }) {
      const due = await Day.find({ state: { $in: OPEN }, nextAttemptAt: { $lte: now } })
        .sort({ nextAttemptAt: 1, _id: 1 })
        .limit(limit)
        .lean<ReconciliationDayDoc[]>();
      const claimed: ReconciliationDayRecord[] = [];
      for (const d of due) {
        const doc = await Day.findOneAndUpdate(
          { _id: d._id, state: { $in: OPEN }, nextAttemptAt: d.nextAttemptAt },
          { $set: { nextAttemptAt: new Date(now.getTime() + claimMs), claimedBy: owner, updatedAt: now }, $inc: { attempts: 1 } },
          { returnDocument: 'after' },
        ).lean<ReconciliationDayDoc>();
        if (doc) claimed.push(toRecord(doc));
      }
      return claimed;
    },
    async retryLater(date, owner, state, nextAttemptAt, error) {
      const update =
        error === undefined
          ? { $set: { state, nextAttemptAt, updatedAt: new Date() }, $unset: { lastError: 1 } }
          : { $set: { state, nextAttemptAt, lastError: error, updatedAt: new Date() } };
      return (await Day.updateOne({ _id: date, claimedBy: owner, state: { $in: OPEN } }, update)).matchedCount === 1;
    },
    async complete(date, owner, o, now) {
      const open = { _id: date, claimedBy: owner, state: { $in: OPEN } };
      if (!(await Day.exists(open))) return false;
      // Differences first, then the day: a crash in between leaves the day open, and the retry replaces this set.
      await Diff.deleteMany({ date });
      if (o.differences.length) {
        await Diff.insertMany(
          o.differences.map((d, seq) => ({ ...d, _id: `${date}:${seq}`, date, seq })),
          { ordered: false },
        );
      }
      const r = await Day.updateOne(open, {
        $set: {
          state: o.state,
          rows: o.rows,
          sha1: o.sha1,
          totals: o.totals,
          differences: o.differences.length,
          reconciledAt: now,
          settlementCheckAt: o.settlementCheckAt,
          updatedAt: now,
        },
        $unset: { lastError: 1 },
      });
      return r.matchedCount === 1;
    },
    async claimSettlementChecks({ now, claimMs, limit }) {
      const due = await Day.find({ settlementCheckAt: { $lte: now } })
        .sort({ _id: 1 })
        .limit(limit)
        .lean<ReconciliationDayDoc[]>();
      const claimed: ReconciliationDayRecord[] = [];
      for (const d of due) {
        const doc = await Day.findOneAndUpdate(
          { _id: d._id, settlementCheckAt: d.settlementCheckAt },
          { $set: { settlementCheckAt: new Date(now.getTime() + claimMs) } },
          { returnDocument: 'after' },
        ).lean<ReconciliationDayDoc>();
        if (doc && !doc.settlement) claimed.push(toRecord(doc));
      }
      return claimed;
    },
    async setSettlement(date, batch, nextCheckAt) {
      if (batch)
        await Day.updateOne({ _id: date }, { $set: { settlement: batch, updatedAt: new Date() }, $unset: { settlementCheckAt: 1 } });
      else if (nextCheckAt) await Day.updateOne({ _id: date }, { $set: { settlementCheckAt: nextCheckAt } });
      else await Day.updateOne({ _id: date }, { $unset: { settlementCheckAt: 1 } });
    },
    async listDays(limit) {
      return (await Day.find({}).sort({ _id: -1 }).limit(limit).lean<ReconciliationDayDoc[]>()).map(toRecord);
    },
    async findDay(date) {
      const d = await Day.findOne({ _id: date }).lean<ReconciliationDayDoc>();
      return d ? toRecord(d) : null;
    },
    async differences(date) {
      return (await Diff.find({ date }).sort({ seq: 1 }).lean<ReconciliationDiffDoc[]>()).map(toDiff);
    },
    async lastCompleted() {
      const d = await Day.findOne({ state: { $in: ['reconciled', 'differences'] as ReconciliationDayState[] } })
        .sort({ _id: -1 })
        .lean<ReconciliationDayDoc>();
      return d ? toRecord(d) : null;
    },
  };
}
