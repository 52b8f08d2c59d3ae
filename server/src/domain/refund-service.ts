// Refunds. The invariant "never refund more than was paid" is kept by ONE conditional update on the order that
// moves the amount from `refundable` to `refundReserved` and records the refund in `refundHolds` before WeChat
// is called; releasing the hold is again one update, conditional on the refund still being held, so every
// move of the counters happens exactly once, even when a process dies between two steps and another resumes.
//   create:   refund doc (PENDING, unique requestId, out_refund_no chosen now) -> hold on the order -> call
//   accepted: PENDING -> PROCESSING (the notification or a query settles it)
//   retry:    NOT_ENOUGH / 429 / 5xx / timeout -> stays PENDING; the sync job calls again with the same number
//   SUCCESS:  hold -> refunded;  CLOSED / FAILED: hold -> refundable;  ABNORMAL: flagged
//   resumed:  a PENDING refund whose request died (job, or the same requestId again) takes or finds its hold and
//             goes on; a final refund whose hold was not released yet (a crash in between) is released by the job
import type { AdminRefundView, RefundStatus, RefundView } from '../../../shared/api';
import type { Logger } from '../logger';
import { DomainError } from './errors';
import type { Order, OrderRepository } from './ports/orders';
import { normalizeRefundStatus, type PaymentGateway, type Refund } from './ports/payment-gateway';
import type { RefundRecord, RefundRepository } from './ports/refunds';
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
  now?: () => Date;
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

  constructor(private readonly deps: RefundServiceOptions) {
    this.now = deps.now ?? (() => new Date());
    this.delays = deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.processingCheckMs = deps.processingCheckMs ?? 2 * 60_000;
    this.claimMs = deps.claimMs ?? 60_000;
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
      { set: { reserved: true, nextSyncAt: new Date(this.now().getTime() + this.claimMs) } },
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
    const now = this.now();
    let answer: Refund;
    try {
      answer = await this.deps.gateway.refund({
        out_trade_no: refund.outTradeNo,
        out_refund_no: refund.outRefundNo,
        amount: { refund: refund.amount, total: refund.orderTotal, currency: refund.currency },
        ...(refund.reason ? { reason: refund.reason } : {}),
      });
    } catch (err) {
      const c = classifyRefundError(err);
      if (c.retry) {
        const attempts = refund.attempts + 1;
        await this.deps.refunds.update(
          refund.id,
          { status: 'PENDING' },
          {
            set: {
              lastError: { code: c.code, message: c.message },
              nextSyncAt: new Date(now.getTime() + retryDelayMs(attempts, this.delays)),
            },
            countAttempt: true,
          },
        );
        this.deps.logger.warn(
          { outRefundNo: refund.outRefundNo, code: c.code },
          'refund not accepted yet; will retry with the same out_refund_no',
        );
      } else {
        await this.deps.refunds.update(
          refund.id,
          { status: 'PENDING' },
          { set: { lastError: { code: c.code, message: c.message } }, countAttempt: true },
        );
        await this.finish(refund, 'FAILED', {});
        this.deps.logger.warn({ outRefundNo: refund.outRefundNo, code: c.code }, 'refund refused by WeChat; reservation released');
      }
      return;
    }
    const set: Partial<RefundRecord> = {
      status: 'PROCESSING',
      acceptedAt: now,
      nextSyncAt: new Date(now.getTime() + this.processingCheckMs),
    };
    if (answer.id) set.refundId = answer.id;
    await this.deps.refunds.update(refund.id, { status: 'PENDING' }, { set, unset: ['lastError'], countAttempt: true });
    // An answer for a refund WeChat already settled (a retry after a lost answer) may carry its status.
    if (answer.status) await this.applyWechatStatus(refund, answer.status, answer);
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
          { set: { status: 'PROCESSING', acceptedAt: this.now(), ...extra } },
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
      { set: { status: to, ...extra, nextSyncAt: new Date(this.now().getTime() + this.claimMs) } },
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
      { set: { status: 'ABNORMAL', flagged: reason, nextSyncAt: new Date(this.now().getTime() + 3600_000), ...extra } },
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
    if (refund.status === 'PENDING') {
      if (!refund.reserved) return this.resume(refund);
      return this.submit(refund);
    }
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
    await this.deps.refunds.update(refund.id, {}, { countAttempt: true });
    const changed = answer.status ? await this.applyWechatStatus(refund, answer.status, answer) : 'unchanged';
    if (changed === 'unchanged') {
      await this.deps.refunds.update(
        refund.id,
        { status: 'PROCESSING' },
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
  const v: AdminRefundView = { ...toRefundView(r), orderId: r.orderId, outTradeNo: r.outTradeNo };
  if (r.refundId) v.refundId = r.refundId;
  if (r.lastError) v.lastError = { code: r.lastError.code, message: r.lastError.message };
  if (r.flagged) v.flagged = r.flagged;
  return v;
}
