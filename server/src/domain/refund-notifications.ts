// REFUND.SUCCESS / REFUND.CLOSED / REFUND.ABNORMAL notifications, already verified and decrypted by the client's
// parser. The event id is recorded under a unique index first; the refund moves through RefundService, whose
// conditional updates make a repeat harmless even if two deliveries race.
import type { Logger } from '../logger';
import { isDuplicateKeyError } from '../db/errors';
import type { RefundDoc, RefundModel } from '../models/refund';
import type { RefundEventModel, RefundEventOutcome } from '../models/refund-event';
import type { MerchantIdentity, NotificationResult } from '../payment-gateway';
import type { RefundNotification } from '../wechatpay';
import type { RefundService } from './refund-service';

type Event = Extract<NotificationResult, { ok: true }>['event'];

export interface RefundNotificationDeps {
  Refund: RefundModel;
  RefundEvent: RefundEventModel;
  refunds: RefundService;
  identity: MerchantIdentity;
  logger: Logger;
  now?: () => Date;
}

/** Why a genuine notification does not match our refund, or undefined. */
export function refundMismatch(refund: RefundDoc, n: RefundNotification, id: MerchantIdentity): string | undefined {
  if (id.mode === 'direct' ? n.mchid !== id.mchid : n.sp_mchid !== id.mchid) return 'merchant id';
  if (id.mode === 'institution' && id.subMchid && n.sub_mchid !== id.subMchid) return 'sub_mchid';
  if (n.out_trade_no !== refund.outTradeNo) return 'out_trade_no';
  if (n.amount && n.amount.refund !== refund.amount) return `amount.refund ${n.amount.refund} (ours ${refund.amount})`;
  if (n.amount?.currency && n.amount.currency !== refund.currency) return 'amount.currency';
  return undefined;
}

export async function handleRefundEvent(d: RefundNotificationDeps, event: Event): Promise<RefundEventOutcome> {
  const now = d.now?.() ?? new Date();
  if (!event.event_type.startsWith('REFUND.') || 'unknown' in event) {
    d.logger.warn({ eventId: event.id, eventType: event.event_type }, 'non-refund event on the refund notify URL');
    return 'rejected';
  }
  const n = event.resource as RefundNotification;
  const refund = await d.Refund.findOne({ outRefundNo: n.out_refund_no }).lean<RefundDoc>();
  try {
    await d.RefundEvent.create({
      eventId: event.id,
      eventType: event.event_type,
      outRefundNo: n.out_refund_no,
      refundId: n.refund_id,
      ...(refund ? { orderId: refund.orderId } : {}),
      receivedAt: now,
      outcome: 'processing',
    });
  } catch (err) {
    if (isDuplicateKeyError(err)) {
      const prior = await d.RefundEvent.findOne({ eventId: event.id }).lean();
      // A delivery whose processing failed before is processed again (the effects are idempotent).
      if (prior?.outcome !== 'processing') return 'duplicate';
    } else throw err;
  }
  const finish = async (outcome: RefundEventOutcome, detail?: string) => {
    await d.RefundEvent.updateOne({ eventId: event.id }, { $set: { outcome, ...(detail ? { detail } : {}) } });
    return outcome;
  };
  if (!refund) {
    d.logger.error({ outRefundNo: n.out_refund_no }, 'refund notification for a refund we do not know');
    return finish('flagged', 'unknown out_refund_no');
  }
  const bad = refundMismatch(refund, n, d.identity);
  if (bad) {
    const reason = `refund notification does not match: ${bad}`;
    await d.Refund.updateOne({ _id: refund._id, flagged: { $exists: false } }, { $set: { flagged: reason } });
    d.logger.error({ outRefundNo: refund.outRefundNo, bad }, 'refund notification mismatch: flagged');
    return finish('flagged', reason);
  }
  try {
    const r = await d.refunds.applyWechatStatus(refund, n.refund_status, n);
    return finish('applied', `${n.refund_status}${r === 'unchanged' ? ' (already applied)' : ''}`);
  } catch (err) {
    // Leave the record 'processing' so WeChat's retry is processed again.
    throw err;
  }
}
