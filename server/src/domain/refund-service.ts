// Refunds. The invariant "never refund more than was paid" is kept by ONE conditional update on the order that
// moves the amount from `refundable` to `refundReserved` and records the refund in `refundHolds` before WeChat
// is called; releasing the hold is again one update, conditional on the refund still being held, so every
// move of the counters happens exactly once, even when a process dies between two steps and another resumes.
//   create:   refund doc (PENDING, unique requestId, out_refund_no chosen now) -> hold on the order -> call
//   accepted: PENDING -> PROCESSING (the notification or a query settles it)
//   retry:    NOT_ENOUGH / 429 / 5xx / timeout -> stays PENDING; the sync job calls again with the same number
//   staff:    after `notEnoughRetries` NOT_ENOUGH answers in a row the job stops: the refund waits for staff
//             (`awaitingStaff`, no nextSyncAt, its amount still held), who retry it (same number, a chosen
//             source) or cancel it (FAILED, released) - each one conditional update on the awaiting marker
//   external: a refund made in the merchant platform, found by WeChat's all-refunds query, is recorded once
//             (unique out_refund_no), takes its hold like ours and follows WeChat's status; never sent by us
//   SUCCESS:  hold -> refunded;  CLOSED / FAILED: hold -> refundable;  ABNORMAL: flagged
//   resumed:  a PENDING refund whose request died (job, or the same requestId again) takes or finds its hold and
//             goes on; a final refund whose hold was not released yet (a crash in between) is released by the job
import { createHash } from 'node:crypto';
import type { AdminRefundView, RefundSource, RefundStatus, RefundView } from '../../../shared/api';
import type { Logger } from '../logger';
import { DomainError } from './errors';
import type { Order, OrderRepository } from './ports/orders';
import { normalizeRefundStatus, type PaymentGateway, type Refund } from './ports/payment-gateway';
import { EXTERNAL_REFUND_CREATOR, type RefundRecord, type RefundRepository } from './ports/refunds';
import { providerError } from './order-service';
import { newOutTradeNo } from './order-view';
import { classifyRefundError, DEFAULT_RETRY_DELAYS_MS, retryDelayMs } from './refund-outcome';

/** WeChat allows at most 50 refunds per order. */
export const MAX_REFUNDS_PER_ORDER = 50;

export interface RefundServiceOptions {
  orders: OrderRepository;
  refunds: RefundRepository;
  gateway: PaymentGateway;
  logger: Logger;
  /** Waits before the n-th retry of a PENDING create / query of a PROCESSING refund. */
  retryDelaysMs?: readonly number[];
  /** First query of an accepted refund when no notification came (ms after acceptance). */
  processingCheckMs?: number;
  /** How long a call in progress keeps the job away from the refund. */
  claimMs?: number;
  /** NOT_ENOUGH answers in a row after which the job stops retrying and the refund waits for staff. */
  notEnoughRetries?: number;
  now?: () => Date;
}

export const DEFAULT_NOT_ENOUGH_RETRIES = 3;
export const DEFAULT_REFUND_SOURCE: RefundSource = 'REFUND_SOURCE_UNSETTLED_FUNDS';

/** WeChat's fund_source in our words (one of its pages spells the recharge source `REchARGE`). */
export function refundSourceOf(fundSource: string | undefined): RefundSource {
  return /RECHARGE/i.test(fundSource ?? '') ? 'REFUND_SOURCE_RECHARGE_FUNDS' : DEFAULT_REFUND_SOURCE;
}

/** The requestId of an external refund: derived from its out_refund_no (unique twice over), never a staff key (':'). */
export function externalRequestId(outRefundNo: string): string {
  return `external:${createHash('sha256').update(outRefundNo).digest('hex').slice(0, 40)}`;
}

/** What recording one refund WeChat lists did: inserted now (external), and/or flagged for a person. */
export interface RecordOutcome {
  recorded: boolean;
  flagged: boolean;
}

export interface CreateRefundInput {
  amount: number;
  reason?: string;
  requestId: string;
}

type FinalStatus = 'SUCCESS' | 'CLOSED' | 'FAILED';

export class RefundService {
  private readonly now: () => Date;
  private readonly delays: readonly number[];
  private readonly processingCheckMs: number;
  private readonly claimMs: number;
  private readonly notEnoughRetries: number;

  constructor(private readonly deps: RefundServiceOptions) {
    this.now = deps.now ?? (() => new Date());
    this.delays = deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.processingCheckMs = deps.processingCheckMs ?? 2 * 60_000;
    this.claimMs = deps.claimMs ?? 60_000;
    this.notEnoughRetries = Math.max(1, deps.notEnoughRetries ?? DEFAULT_NOT_ENOUGH_RETRIES);
  }

  private later(ms: number): Date {
    return new Date(this.now().getTime() + ms);
  }

  /** Returns the refund and whether it was created now (false: this requestId was seen before). */
  async create(orderId: string, input: CreateRefundInput, actor: string): Promise<{ refund: RefundRecord; created: boolean }> {
    const { orders, refunds } = this.deps;
    const seen = await refunds.findByRequestId(input.requestId);
    if (seen) return { refund: await this.resumeIfInterrupted(this.sameRequest(seen, orderId, input)), created: false };

    const order = await orders.findById(orderId);
    if (!order) throw new DomainError('ORDER_NOT_FOUND', 'no such order');
    this.checkRefundable(order, input.amount);

    const now = this.now();
    const inserted = await refunds.insert(
      {
        orderId: order.id,
        outTradeNo: order.outTradeNo,
        outRefundNo: newOutTradeNo('R', now),
        requestId: input.requestId,
        amount: input.amount,
        currency: order.currency,
        orderTotal: order.total,
        ...(input.reason ? { reason: input.reason } : {}),
        createdBy: actor,
        // If this process dies before the reservation is confirmed, the job finds the refund after this.
        nextSyncAt: new Date(now.getTime() + this.claimMs),
      },
      now,
    );
    if (inserted === 'duplicate') {
      const winner = await refunds.findByRequestId(input.requestId);
      if (!winner) throw new Error('refund insert reported a duplicate that cannot be found');
      return { refund: this.sameRequest(winner, orderId, input), created: false };
    }
    let refund = inserted;

    if ((await this.hold(refund)) === 'refused') {
      await refunds.deleteUnreserved(refund.id);
      const current = await orders.findById(order.id);
      this.checkRefundable(current ?? order, input.amount);
      throw new DomainError('REFUND_EXCEEDS_BALANCE', 'the refund exceeds the refundable balance');
    }
    refund = { ...refund, reserved: true };
    this.deps.logger.info({ outRefundNo: refund.outRefundNo, outTradeNo: refund.outTradeNo, amount: refund.amount }, 'refund reserved');
    await this.submit(refund);
    return { refund: (await refunds.findById(refund.id)) ?? refund, created: true };
  }

  /**
   * Takes this refund's hold on the order (the reservation) unless it is taken already, then marks the refund
   * reserved. Safe to run again and concurrently for one refund: the hold is taken once (`refundHolds: {$ne}`).
   * 'refused': the balance (or the order's state) does not allow it and nothing is held.
   */
  private async hold(refund: RefundRecord): Promise<'held' | 'refused'> {
    const { orders, refunds } = this.deps;
    const x = refund.amount;
    const took = await orders.takeRefundHold(refund.orderId, refund.id, x, MAX_REFUNDS_PER_ORDER);
    if (!took && !(await orders.hasRefundHold(refund.orderId, refund.id))) return 'refused';
    // Keep the job away while this request makes the first call.
    const marked = await refunds.update(
      refund.id,
      { status: 'PENDING' },
      {
        set: { reserved: true, nextSyncAt: this.later(this.claimMs) },
        // An external refund flagged because it could not be held is counted now: its flag is history.
        ...(refund.external ? { unset: ['flagged' as const] } : {}),
      },
    );
    if (!marked && took) {
      // The refund ended (or was withdrawn) while this took a hold it no longer needs: give it back.
      await orders.releaseRefundHold(refund.orderId, refund.id, x, 'refundable', true);
      return 'refused';
    }
    return 'held';
  }

  /** A refund whose request died before it was reserved goes on now: the same requestId means the same refund. */
  private async resumeIfInterrupted(r: RefundRecord): Promise<RefundRecord> {
    if (r.status !== 'PENDING' || r.reserved) return r;
    await this.resume(r);
    return (await this.deps.refunds.findById(r.id)) ?? r;
  }

  private async resume(r: RefundRecord): Promise<void> {
    if (r.external) throw new Error('an external refund is never sent by us');
    if ((await this.hold(r)) === 'held') return this.submit({ ...r, reserved: true });
    // Nothing is held: the balance went elsewhere meanwhile. It ends here; no money moved.
    const ended = await this.deps.refunds.update(
      r.id,
      { status: 'PENDING', reserved: false },
      {
        set: {
          status: 'FAILED',
          settled: true,
          lastError: { code: 'REFUND_EXCEEDS_BALANCE', message: 'the refundable balance no longer allows this refund' },
        },
        unset: ['nextSyncAt'],
      },
    );
    if (ended) this.deps.logger.warn({ outRefundNo: r.outRefundNo }, 'interrupted refund could not be reserved any more; ended as FAILED');
  }

  private sameRequest(r: RefundRecord, orderId: string, input: CreateRefundInput): RefundRecord {
    if (r.orderId !== orderId.toLowerCase() || r.amount !== input.amount) {
      throw new DomainError('IDEMPOTENCY_MISMATCH', 'this requestId was used for a different refund');
    }
    return r;
  }

  private checkRefundable(order: Order, amount: number): void {
    if (order.status !== 'PAID') throw new DomainError('ORDER_NOT_REFUNDABLE', `the order is ${order.status}`);
    if ((order.refundCount ?? 0) >= MAX_REFUNDS_PER_ORDER)
      throw new DomainError('ORDER_NOT_REFUNDABLE', `an order can have at most ${MAX_REFUNDS_PER_ORDER} refunds`);
    if ((order.refundable ?? 0) <= 0) throw new DomainError('ORDER_NOT_REFUNDABLE', 'nothing is left to refund on this order');
    if (amount > (order.refundable ?? 0)) {
      throw new DomainError('REFUND_EXCEEDS_BALANCE', `at most ${order.refundable} can be refunded now`, { refundable: order.refundable });
    }
  }

  /** Asks WeChat to refund (again, with the same out_refund_no) and records what it said. */
  async submit(refund: RefundRecord): Promise<void> {
    if (refund.external) throw new Error('an external refund is never sent by us');
    const now = this.now();
    let answer: Refund;
    try {
      answer = await this.deps.gateway.refund({
        out_trade_no: refund.outTradeNo,
        out_refund_no: refund.outRefundNo,
        amount: { refund: refund.amount, total: refund.orderTotal, currency: refund.currency },
        ...(refund.reason ? { reason: refund.reason } : {}),
        source: refund.source,
      });
    } catch (err) {
      const c = classifyRefundError(err);
      const lastError = { code: c.code, message: c.message };
      if (c.retry) {
        // The streak counts from the record this call started from: the job's claim (or the staff action's
        // conditional update) makes this the only call in flight for the refund.
        const streak = c.code === 'NOT_ENOUGH' ? refund.notEnoughStreak + 1 : 0;
        const wait = streak >= this.notEnoughRetries;
        await this.deps.refunds.update(
          refund.id,
          { status: 'PENDING', awaitingStaff: false },
          wait
            ? // NOT_ENOUGH again and again: retrying blindly holds the amount forever; a person decides now.
              { set: { lastError, notEnoughStreak: streak, awaitingStaff: 'NOT_ENOUGH' }, unset: ['nextSyncAt'], countAttempt: true }
            : {
                set: {
                  lastError,
                  notEnoughStreak: streak,
                  nextSyncAt: new Date(now.getTime() + retryDelayMs(refund.attempts + 1, this.delays)),
                },
                countAttempt: true,
              },
        );
        if (wait) {
          this.deps.logger.error(
            { outRefundNo: refund.outRefundNo, notEnough: streak },
            'refund answered NOT_ENOUGH repeatedly: waiting for staff to retry (e.g. from recharge funds) or cancel it',
          );
        } else {
          this.deps.logger.warn(
            { outRefundNo: refund.outRefundNo, code: c.code },
            'refund not accepted yet; will retry with the same out_refund_no',
          );
        }
      } else {
        await this.deps.refunds.update(refund.id, { status: 'PENDING' }, { set: { lastError }, countAttempt: true });
        await this.finish(refund, 'FAILED', {});
        this.deps.logger.warn({ outRefundNo: refund.outRefundNo, code: c.code }, 'refund refused by WeChat; reservation released');
      }
      return;
    }
    const set: Partial<RefundRecord> = {
      status: 'PROCESSING',
      acceptedAt: now,
      notEnoughStreak: 0,
      nextSyncAt: new Date(now.getTime() + this.processingCheckMs),
    };
    if (answer.id) set.refundId = answer.id;
    await this.deps.refunds.update(refund.id, { status: 'PENDING' }, { set, unset: ['lastError', 'awaitingStaff'], countAttempt: true });
    // An answer for a refund WeChat already settled (a retry after a lost answer) may carry its status.
    if (answer.status) await this.applyWechatStatus(refund, answer.status, answer);
  }

  /**
   * Staff: sends a refund that waits for staff again, with the same out_refund_no, from `source`. The refund
   * leaves the waiting state by one conditional update before WeChat is called, so of two clicks (or two
   * people, or a cancel racing it) one acts and the other is refused with REFUND_NOT_AWAITING_STAFF.
   */
  async retryAwaiting(id: string, source: RefundSource): Promise<RefundRecord> {
    const current = await this.get(id);
    const taken = await this.deps.refunds.updateAndGet(
      current.id,
      { status: 'PENDING', reserved: true, settled: false, awaitingStaff: 'NOT_ENOUGH' },
      // A fresh streak; the claim time keeps the job away while this request calls WeChat.
      { set: { source, notEnoughStreak: 0, nextSyncAt: this.later(this.claimMs) }, unset: ['awaitingStaff'] },
    );
    if (!taken) throw notAwaiting(current);
    this.deps.logger.info({ outRefundNo: taken.outRefundNo, source }, 'refund retried by staff');
    await this.submit(taken);
    return (await this.deps.refunds.findById(taken.id)) ?? taken;
  }

  /**
   * Staff: gives up a refund that waits for staff. Only while WeChat never accepted it: WeChat is asked first
   * (nothing is sent while the refund waits, so its answer cannot change before the update below); if it knows
   * the refund, the refund is tracked again instead (REFUND_ACCEPTED_AT_WECHAT). Then one conditional update on
   * the waiting marker ends it FAILED, and its hold goes back to the refundable balance once.
   */
  async cancelAwaiting(id: string, reason: string): Promise<RefundRecord> {
    const current = await this.get(id);
    if (current.status !== 'PENDING' || current.awaitingStaff === undefined) throw notAwaiting(current);
    let atWechat: Refund | undefined;
    try {
      atWechat = await this.deps.gateway.queryRefund(current.outRefundNo);
    } catch (err) {
      throw providerError(err, 'could not ask WeChat Pay whether it has this refund; nothing was changed');
    }
    if (atWechat) {
      const back = await this.deps.refunds.updateAndGet(
        current.id,
        { status: 'PENDING', awaitingStaff: 'NOT_ENOUGH' },
        { set: { notEnoughStreak: 0, nextSyncAt: this.now() }, unset: ['awaitingStaff'] },
      );
      if (back && atWechat.status) await this.applyWechatStatus(back, atWechat.status, atWechat);
      this.deps.logger.warn({ outRefundNo: current.outRefundNo }, 'cancel refused: WeChat Pay has the refund; it is tracked again');
      throw new DomainError(
        'REFUND_ACCEPTED_AT_WECHAT',
        'WeChat Pay has accepted this refund, so it cannot be cancelled; it is tracked again',
        {
          status: atWechat.status ?? 'PROCESSING',
        },
      );
    }
    const ended = await this.deps.refunds.updateAndGet(
      current.id,
      { status: 'PENDING', reserved: true, settled: false, awaitingStaff: 'NOT_ENOUGH' },
      // If this process dies before the release below, the job releases the hold after the claim time.
      {
        set: { status: 'FAILED', lastError: { code: 'CANCELLED_BY_STAFF', message: reason }, nextSyncAt: this.later(this.claimMs) },
        unset: ['awaitingStaff'],
      },
    );
    if (!ended) throw notAwaiting(await this.get(id));
    await this.release(ended);
    return (await this.deps.refunds.findById(ended.id)) ?? ended;
  }

  // ---------- refunds made outside this system ----------

  /**
   * Records one refund WeChat lists for `order` (the all-refunds query). Ours: its status is applied. Unknown:
   * inserted as external (the unique out_refund_no makes a second finder use the first one's record), its hold
   * taken like ours, then WeChat's status applied through the same finish/release steps, so the order's counters
   * stay true. If the hold cannot be taken (our held refunds plus this one exceed what was paid), the refund and
   * the order are flagged for a person and the job tries the hold again later.
   */
  async recordFromWechat(order: Order, wx: Refund): Promise<RecordOutcome> {
    const known = await this.deps.refunds.findByOutRefundNo(wx.out_refund_no);
    const none: RecordOutcome = { recorded: false, flagged: false };
    if (known && !known.external) {
      if (known.orderId !== order.id) return none;
      if (wx.amount?.refund !== undefined && wx.amount.refund !== known.amount) {
        const reason = `WeChat Pay lists refund ${known.outRefundNo} with amount ${wx.amount.refund} (ours ${known.amount})`;
        await this.deps.refunds.update(known.id, { unflagged: true }, { set: { flagged: reason } });
        await this.deps.orders.flag(known.orderId, reason);
        return { recorded: false, flagged: true };
      }
      if (wx.status) await this.applyWechatStatus(known, wx.status, wx);
      return none;
    }
    let refund = known;
    let recorded = false;
    if (!refund) {
      const amount = wx.amount?.refund;
      const currency = wx.amount?.currency ?? order.currency;
      if (!Number.isInteger(amount) || amount! < 1 || currency !== order.currency) {
        const reason = `WeChat Pay lists refund ${wx.out_refund_no} of this order that cannot be recorded (amount ${String(amount)} ${currency})`;
        await this.deps.orders.flag(order.id, reason);
        this.deps.logger.error({ outRefundNo: wx.out_refund_no, outTradeNo: order.outTradeNo }, reason);
        return { recorded: false, flagged: true };
      }
      const now = this.now();
      const created = wx.create_time ? new Date(wx.create_time) : now;
      const inserted = await this.deps.refunds.insert(
        {
          orderId: order.id,
          outTradeNo: order.outTradeNo,
          outRefundNo: wx.out_refund_no,
          requestId: externalRequestId(wx.out_refund_no),
          amount: amount!,
          currency,
          orderTotal: order.total,
          source: refundSourceOf(wx.fund_source),
          createdBy: EXTERNAL_REFUND_CREATOR,
          external: true,
          ...(wx.id ? { refundId: wx.id } : {}),
          acceptedAt: Number.isNaN(created.getTime()) ? now : created,
          // If this process dies before the hold below, the job finds the refund after the claim time.
          nextSyncAt: new Date(now.getTime() + this.claimMs),
        },
        now,
      );
      if (inserted === 'duplicate') {
        refund = await this.deps.refunds.findByOutRefundNo(wx.out_refund_no);
        if (!refund) throw new Error('external refund insert reported a duplicate that cannot be found');
        if (!refund.external) return this.recordFromWechat(order, wx);
      } else {
        refund = inserted;
        recorded = true;
        this.deps.logger.warn(
          { outRefundNo: refund.outRefundNo, outTradeNo: refund.outTradeNo, amount: refund.amount },
          'refund made outside this system recorded',
        );
      }
    }
    return { recorded, flagged: (await this.adoptExternal(refund, wx)) === 'flagged' };
  }

  /** An external refund's hold (once) and WeChat's status. Safe to repeat and to run concurrently. */
  private async adoptExternal(refund: RefundRecord, wx: Refund): Promise<'held' | 'flagged'> {
    const status = normalizeRefundStatus(wx.status);
    if (refund.status !== 'PENDING' || refund.reserved) {
      if (wx.status) await this.applyWechatStatus(refund, wx.status, wx);
      return 'held';
    }
    if (status === 'CLOSED') {
      // Closed at WeChat: no money moved, so nothing is held; it is recorded as closed.
      await this.deps.refunds.update(
        refund.id,
        { status: 'PENDING', reserved: false },
        { set: { status: 'CLOSED', settled: true, closedAt: this.now() }, unset: ['nextSyncAt'] },
      );
      return 'held';
    }
    if ((await this.hold(refund)) === 'refused') {
      const order = await this.deps.orders.findById(refund.orderId);
      const reason =
        `refund ${refund.outRefundNo} of ${refund.amount} was made outside this system (merchant platform), but the order ` +
        `cannot count it (refundable ${order?.refundable ?? 0}, held for other refunds ${order?.refundReserved ?? 0}): a person must look`;
      const marked = await this.deps.refunds.update(
        refund.id,
        { status: 'PENDING', reserved: false },
        { set: { flagged: reason, nextSyncAt: this.later(retryDelayMs(refund.attempts + 1, this.delays)) }, countAttempt: true },
      );
      if (!marked) {
        // `refund` was stale: another finder held (and maybe settled) it meanwhile, which is why the hold was refused.
        const fresh = await this.deps.refunds.findById(refund.id);
        if (fresh && (fresh.reserved || fresh.status !== 'PENDING')) return this.adoptExternal(fresh, wx);
      }
      await this.deps.orders.flag(refund.orderId, reason);
      this.deps.logger.error({ outRefundNo: refund.outRefundNo, outTradeNo: refund.outTradeNo }, reason);
      return 'flagged';
    }
    if (wx.status) await this.applyWechatStatus({ ...refund, reserved: true }, wx.status, wx);
    return 'held';
  }

  /** Applies a status WeChat reported (query, create answer or notification). Safe to repeat. */
  async applyWechatStatus(
    refund: RefundRecord,
    wxStatus: string,
    info: { id?: string; refund_id?: string; success_time?: string },
  ): Promise<'changed' | 'unchanged'> {
    const status = normalizeRefundStatus(wxStatus);
    const extra: Partial<RefundRecord> = {};
    const refundId = info.refund_id ?? info.id;
    if (refundId) extra.refundId = refundId;
    switch (status) {
      case 'SUCCESS': {
        const at = info.success_time ? new Date(info.success_time) : this.now();
        extra.succeededAt = Number.isNaN(at.getTime()) ? this.now() : at;
        return this.finish(refund, 'SUCCESS', extra);
      }
      case 'CLOSED':
        extra.closedAt = this.now();
        return this.finish(refund, 'CLOSED', extra);
      case 'ABNORMAL':
        return this.markAbnormal(refund, extra);
      case 'PROCESSING': {
        // Accepted: a PENDING refund whose create answer was lost becomes PROCESSING.
        const r = await this.deps.refunds.update(
          refund.id,
          { status: 'PENDING', reserved: true },
          {
            set: {
              status: 'PROCESSING',
              acceptedAt: refund.acceptedAt ?? this.now(),
              nextSyncAt: this.later(this.processingCheckMs),
              ...extra,
            },
            unset: ['awaitingStaff'],
          },
        );
        return r ? 'changed' : 'unchanged';
      }
      default:
        this.deps.logger.warn({ outRefundNo: refund.outRefundNo, wxStatus }, 'unknown refund status from WeChat');
        return 'unchanged';
    }
  }

  /** Moves the refund to a final status once, then releases its hold on the order once. */
  private async finish(refund: RefundRecord, to: FinalStatus, extra: Partial<RefundRecord>): Promise<'changed' | 'unchanged'> {
    const from: RefundStatus[] = to === 'FAILED' ? ['PENDING'] : ['PENDING', 'PROCESSING', 'ABNORMAL'];
    const moved = await this.deps.refunds.updateAndGet(
      refund.id,
      { status: from, reserved: true, settled: false },
      // If this process dies before the release below, the job finds the refund after the claim time.
      { set: { status: to, ...extra, nextSyncAt: this.later(this.claimMs) }, unset: ['awaitingStaff'] },
    );
    if (!moved) return 'unchanged';
    await this.release(moved);
    return 'changed';
  }

  /** Releases a final refund's hold: SUCCESS -> refunded, CLOSED / FAILED -> refundable. Runs its effect once. */
  private async release(r: RefundRecord): Promise<void> {
    const x = r.amount;
    await this.deps.orders.releaseRefundHold(r.orderId, r.id, x, r.status === 'SUCCESS' ? 'refunded' : 'refundable');
    await this.deps.refunds.update(r.id, { settled: false }, { set: { settled: true }, unset: ['nextSyncAt'] });
    this.deps.logger.info({ outRefundNo: r.outRefundNo, status: r.status, amount: x }, 'refund settled');
  }

  private async markAbnormal(refund: RefundRecord, extra: Partial<RefundRecord>): Promise<'changed' | 'unchanged'> {
    const reason = `refund ${refund.outRefundNo} is ABNORMAL at WeChat (the money could not reach the payer): a person must handle it`;
    const moved = await this.deps.refunds.updateAndGet(
      refund.id,
      { status: ['PENDING', 'PROCESSING'], reserved: true },
      // Still watched, rarely: WeChat may settle it after the merchant acts in the portal.
      { set: { status: 'ABNORMAL', flagged: reason, nextSyncAt: this.later(3600_000), ...extra }, unset: ['awaitingStaff'] },
    );
    if (!moved) return 'unchanged';
    await this.deps.orders.flag(moved.orderId, reason);
    this.deps.logger.error({ outRefundNo: moved.outRefundNo }, 'refund ABNORMAL: flagged for a person');
    return 'changed';
  }

  /**
   * The sync job's work on one claimed refund: resume or re-submit a PENDING one, query a PROCESSING/ABNORMAL
   * one, release the hold of a final one whose release was interrupted.
   */
  async sync(refund: RefundRecord): Promise<void> {
    if (refund.status === 'SUCCESS' || refund.status === 'CLOSED' || refund.status === 'FAILED') {
      if (!refund.settled) await this.release(refund);
      return;
    }
    if (refund.status === 'PENDING' && !refund.external) {
      if (!refund.reserved) return this.resume(refund);
      return this.submit(refund);
    }
    // Below: asked, never sent. PROCESSING / ABNORMAL refunds, and external ones (held or not yet).
    const now = this.now();
    let answer: Refund | undefined;
    try {
      answer = await this.deps.gateway.queryRefund(refund.outRefundNo);
    } catch (err) {
      const c = classifyRefundError(err);
      await this.deps.refunds.update(
        refund.id,
        { status: refund.status },
        {
          set: {
            lastError: { code: c.code, message: c.message },
            nextSyncAt: new Date(now.getTime() + retryDelayMs(refund.attempts + 1, this.delays)),
          },
          countAttempt: true,
        },
      );
      return;
    }
    if (!answer) {
      // WeChat does not know a refund it accepted: never guess with money; a person looks.
      await this.deps.refunds.update(
        refund.id,
        { status: refund.status },
        {
          set: { flagged: 'WeChat does not know this accepted refund', nextSyncAt: new Date(now.getTime() + 3600_000) },
          countAttempt: true,
        },
      );
      return;
    }
    if (refund.external && !refund.reserved) {
      await this.adoptExternal(refund, answer);
      return;
    }
    await this.deps.refunds.update(refund.id, {}, { countAttempt: true });
    const changed = answer.status ? await this.applyWechatStatus(refund, answer.status, answer) : 'unchanged';
    if (changed === 'unchanged') {
      await this.deps.refunds.update(
        refund.id,
        { status: refund.status === 'PENDING' ? 'PENDING' : 'PROCESSING' },
        { set: { nextSyncAt: new Date(now.getTime() + retryDelayMs(refund.attempts + 1, this.delays)) } },
      );
      // An ABNORMAL refund waits for a person: look again hourly, not at every claim.
      await this.deps.refunds.update(refund.id, { status: 'ABNORMAL' }, { set: { nextSyncAt: new Date(now.getTime() + 3600_000) } });
    }
  }

  async get(id: string): Promise<RefundRecord> {
    const r = await this.deps.refunds.findById(id);
    if (!r) throw new DomainError('REFUND_NOT_FOUND', 'no such refund');
    return r;
  }

  forOrders(orderIds: string[]): Promise<Map<string, RefundRecord[]>> {
    return this.deps.refunds.forOrders(orderIds);
  }
}

export function toRefundView(r: RefundRecord): RefundView {
  const v: RefundView = {
    id: r.id,
    outRefundNo: r.outRefundNo,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
  };
  if (r.reason) v.reason = r.reason;
  if (r.succeededAt) v.succeededAt = r.succeededAt.toISOString();
  return v;
}

export function toAdminRefundView(r: RefundRecord): AdminRefundView {
  const v: AdminRefundView = { ...toRefundView(r), orderId: r.orderId, outTradeNo: r.outTradeNo, source: r.source, createdBy: r.createdBy };
  if (r.refundId) v.refundId = r.refundId;
  if (r.lastError) v.lastError = { code: r.lastError.code, message: r.lastError.message };
  if (r.flagged) v.flagged = r.flagged;
  if (r.awaitingStaff) v.awaitingStaff = r.awaitingStaff;
  if (r.external) v.external = true;
  return v;
}

function notAwaiting(r: RefundRecord): DomainError {
  return new DomainError(
    'REFUND_NOT_AWAITING_STAFF',
    `the refund is ${r.status} and not waiting for staff (someone may have acted on it already)`,
    {
      status: r.status,
    },
  );
}
