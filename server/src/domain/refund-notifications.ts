// REFUND.SUCCESS / REFUND.CLOSED / REFUND.ABNORMAL notifications, already verified and decrypted by the client's
// parser. The event id is recorded under a unique index first; the refund moves through RefundService, whose
// conditional updates make a repeat harmless even if two deliveries race. A genuine notification about an
// out_refund_no we do not know, on one of our orders, is a refund made outside this system (merchant platform):
// WeChat's all-refunds query for the order finds and records it, then the notification applies as usual.
import type { Logger } from '../logger';
import type { RefundEventLog, RefundEventOutcome } from './ports/events';
import type { OrderRepository } from './ports/orders';
import type { ExpectedMerchant, HeaderSource, NotificationResult, PaymentGateway, RefundNotification } from './ports/payment-gateway';
import type { RefundRecord, RefundRepository } from './ports/refunds';
import type { RefundDiscovery } from './refund-discovery';
import type { RefundService } from './refund-service';

type Event = Extract<NotificationResult, { ok: true }>['event'];

export interface RefundNotificationDeps {
  refundRecords: RefundRepository;
  refundEvents: RefundEventLog;
  refunds: RefundService;
  identity: ExpectedMerchant;
  logger: Logger;
  /** With both: unknown refunds on our orders are looked up with the all-refunds query. */
  orders?: OrderRepository;
  discovery?: RefundDiscovery;
  now?: () => Date;
}

function merchantMismatch(n: RefundNotification, id: ExpectedMerchant): string | undefined {
  if (id.mode === 'direct' ? n.mchid !== id.mchid : n.sp_mchid !== id.mchid) return 'merchant id';
  if (id.mode === 'institution' && id.subMchid && n.sub_mchid !== id.subMchid) return 'sub_mchid';
  return undefined;
}

/** Why a genuine notification does not match our refund, or undefined. */
export function refundMismatch(refund: RefundRecord, n: RefundNotification, id: ExpectedMerchant): string | undefined {
  const merchant = merchantMismatch(n, id);
  if (merchant) return merchant;
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
  let refund = await deps.refundRecords.findByOutRefundNo(n.out_refund_no);
  // Not ours: maybe a refund made in the merchant platform on one of our orders (the event then shows on it).
  const order = !refund && deps.orders && n.out_trade_no ? await deps.orders.findByOutTradeNo(n.out_trade_no) : undefined;
  const orderId = refund?.orderId ?? order?.id;
  const recorded = await deps.refundEvents.insert({
    eventId: event.id,
    eventType: event.event_type,
    outRefundNo: n.out_refund_no,
    refundId: n.refund_id,
    ...(orderId ? { orderId } : {}),
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
  let external = false;
  if (!refund && order && deps.discovery && !merchantMismatch(n, deps.identity)) {
    // Genuine (verified) and for our merchant: ask WeChat which refunds the order has. A failure throws: 500, and
    // WeChat delivers again.
    await deps.discovery.checkOrder(order);
    refund = await deps.refundRecords.findByOutRefundNo(n.out_refund_no);
    external = refund?.external === true;
  }
  if (!refund) {
    deps.logger.error({ outRefundNo: n.out_refund_no }, 'refund notification for a refund we do not know');
    return finish('flagged', order ? 'unknown out_refund_no (WeChat Pay does not list it for the order)' : 'unknown out_refund_no');
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
  const note = external ? '; a refund made outside this system, recorded' : r === 'unchanged' ? ' (already applied)' : '';
  return finish('applied', `${n.refund_status}${note}`);
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
