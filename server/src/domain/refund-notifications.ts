// REFUND.SUCCESS / REFUND.CLOSED / REFUND.ABNORMAL notifications, already verified and decrypted by the client's
// parser. The event id is recorded under a unique index first; the refund moves through RefundService, whose
// conditional updates make a repeat harmless even if two deliveries race.
import type { Logger } from '../logger';
import type { RefundEventLog, RefundEventOutcome } from './ports/events';
import type { ExpectedMerchant, HeaderSource, NotificationResult, PaymentGateway, RefundNotification } from './ports/payment-gateway';
import type { RefundRecord, RefundRepository } from './ports/refunds';
import type { RefundService } from './refund-service';

type Event = Extract<NotificationResult, { ok: true }>['event'];

export interface RefundNotificationDeps {
  refundRecords: RefundRepository;
  refundEvents: RefundEventLog;
  refunds: RefundService;
  identity: ExpectedMerchant;
  logger: Logger;
  now?: () => Date;
}

/** Why a genuine notification does not match our refund, or undefined. */
export function refundMismatch(refund: RefundRecord, n: RefundNotification, id: ExpectedMerchant): string | undefined {
  if (id.mode === 'direct' ? n.mchid !== id.mchid : n.sp_mchid !== id.mchid) return 'merchant id';
  if (id.mode === 'institution' && id.subMchid && n.sub_mchid !== id.subMchid) return 'sub_mchid';
  if (n.out_trade_no !== refund.outTradeNo) return 'out_trade_no';
  if (n.amount && n.amount.refund !== refund.amount) return `amount.refund ${n.amount.refund} (ours ${refund.amount})`;
  if (n.amount?.currency && n.amount.currency !== refund.currency) return 'amount.currency';
  return undefined;
}

export async function handleRefundEvent(deps: RefundNotificationDeps, event: Event): Promise<RefundEventOutcome> {
  const now = deps.now?.() ?? new Date();
  if (!event.event_type.startsWith('REFUND.') || 'unknown' in event) {
    deps.logger.warn({ eventId: event.id, eventType: event.event_type }, 'non-refund event on the refund notify URL');
    return 'rejected';
  }
  const n = event.resource as RefundNotification;
  const refund = await deps.refundRecords.findByOutRefundNo(n.out_refund_no);
  const recorded = await deps.refundEvents.insert({
    eventId: event.id,
    eventType: event.event_type,
    outRefundNo: n.out_refund_no,
    refundId: n.refund_id,
    ...(refund ? { orderId: refund.orderId } : {}),
    receivedAt: now,
    outcome: 'processing',
  });
  if (!recorded) {
    const prior = await deps.refundEvents.find(event.id);
    // A delivery whose processing failed before is processed again (the effects are idempotent).
    if (prior?.outcome !== 'processing') return 'duplicate';
  }
  const finish = async (outcome: RefundEventOutcome, detail?: string) => {
    await deps.refundEvents.setOutcome(event.id, outcome, detail);
    return outcome;
  };
  if (!refund) {
    deps.logger.error({ outRefundNo: n.out_refund_no }, 'refund notification for a refund we do not know');
    return finish('flagged', 'unknown out_refund_no');
  }
  const bad = refundMismatch(refund, n, deps.identity);
  if (bad) {
    const reason = `refund notification does not match: ${bad}`;
    await deps.refundRecords.update(refund.id, { unflagged: true }, { set: { flagged: reason } });
    deps.logger.error({ outRefundNo: refund.outRefundNo, bad }, 'refund notification mismatch: flagged');
    return finish('flagged', reason);
  }
  // A throw here leaves the record 'processing', so WeChat's retry is processed again.
  const r = await deps.refunds.applyWechatStatus(refund, n.refund_status, n);
  return finish('applied', `${n.refund_status}${r === 'unchanged' ? ' (already applied)' : ''}`);
}

export type RefundNotificationAnswer = { status: 204 } | { status: 400 | 500; message: string };

/**
 * A refund notification from the raw body: verified and decrypted through the gateway, then applied.
 * 204 when handled or already handled; 400 for anything untrustworthy; 500 when we failed (WeChat retries).
 */
export async function handleRefundNotification(
  deps: Omit<RefundNotificationDeps, 'identity' | 'logger'> & { gateway: PaymentGateway },
  headers: HeaderSource,
  raw: Buffer,
  log: Logger,
): Promise<RefundNotificationAnswer> {
  let parsed;
  try {
    parsed = await deps.gateway.parseNotification(headers, raw);
  } catch (err) {
    log.error({ err: { message: (err as Error).message } }, 'refund notification: verification unavailable');
    return { status: 500, message: 'verification unavailable' };
  }
  if (!parsed.ok) {
    log.warn({ reason: parsed.reason, wxRequestId: parsed.requestId }, 'refund notification rejected');
    return { status: 400, message: parsed.reason };
  }
  try {
    const outcome = await handleRefundEvent({ ...deps, identity: deps.gateway.identity, logger: log }, parsed.event);
    if (outcome === 'rejected') return { status: 400, message: 'not a refund event' };
    log.info({ eventId: parsed.event.id, eventType: parsed.event.event_type, outcome }, 'refund notification');
    return { status: 204 };
  } catch (err) {
    log.error({ err: { message: (err as Error).message } }, 'refund notification failed');
    return { status: 500, message: 'processing failed' };
  }
}
