// TRANSACTION.SUCCESS from WeChat Pay. The raw body is verified and decrypted by the client's parser; the
// resource is checked against our order; the order moves by one conditional update, which also records the
// event id on it (unique among orders). A delivery that moves nothing (a repeat, an order paid already by a
// query, a mismatch) is recorded in the payment event log under its unique event id. Re-deliveries re-run the
// same conditional update, which cannot apply twice, so every delivery converges on exactly one change.
import type { Logger } from '../logger';
import { applyTransaction } from './order-state';
import type { OrderSettlements } from './order-settlements';
import type { PaymentEvent, PaymentEventLog } from './ports/events';
import type { OrderRepository } from './ports/orders';
import type { HeaderSource, PaymentGateway, Transaction } from './ports/payment-gateway';

export type NotificationAnswer = { status: 204 } | { status: 400 | 401 | 404 | 500 | 503; message: string };

export interface PaymentNotificationDeps {
  orders: OrderRepository;
  paymentEvents: PaymentEventLog;
  gateway: PaymentGateway;
  logger: Logger;
  /** Told of each order this instance settles (customers waiting for it are answered at once). */
  settlements?: OrderSettlements;
}

export async function handlePaymentNotification(
  deps: PaymentNotificationDeps,
  headers: HeaderSource,
  raw: Buffer,
  log: Logger,
): Promise<NotificationAnswer> {
  const parsed = await deps.gateway.parseNotification(headers, raw);
  if (!parsed.ok) {
    // Logged by reason only: the body of a forged request is not worth keeping and may be large.
    log.warn({ reason: parsed.reason, detail: parsed.message }, 'payment notification rejected');
    const status =
      parsed.reason === 'decrypt_failed' ||
      parsed.reason === 'malformed_body' ||
      parsed.reason === 'malformed_resource' ||
      parsed.reason === 'unsupported_algorithm'
        ? 400
        : 401;
    return { status, message: `notification rejected: ${parsed.reason}` };
  }
  const ev = parsed.event;
  if (ev.event_type !== 'TRANSACTION.SUCCESS' || 'unknown' in ev) {
    log.warn({ eventId: ev.id, eventType: ev.event_type }, 'unexpected event type at the payment notification URL');
    await record(deps, { eventId: ev.id, eventType: ev.event_type, outcome: 'ignored', detail: 'not a payment event' });
    return { status: 204 };
  }
  const tx = ev.resource as Transaction;
  // An order created on this instance a few minutes ago is known without a read (its status may be stale: the
  // conditional updates below re-check it in the database).
  const order = deps.settlements?.known(tx.out_trade_no) ?? (await deps.orders.findByOutTradeNo(tx.out_trade_no));
  if (!order) {
    log.error({ eventId: ev.id, outTradeNo: tx.out_trade_no }, 'payment notification for an unknown order');
    return { status: 404, message: 'unknown out_trade_no' };
  }
  const ctx = { eventId: ev.id, outTradeNo: order.outTradeNo };
  if (order.paymentEventId === ev.id) {
    log.info({ ...ctx, duplicate: true }, 'duplicate payment notification');
    return { status: 204 };
  }
  // A first delivery (the usual case) costs one write: the order's conditional update pays it and records the
  // event on it. The event id is unique among orders, so it cannot pay a second one.
  const receivedAt = new Date();
  const r = await applyTransaction(deps.orders, order, tx, deps.gateway.identity, receivedAt, (after) => deps.settlements?.settled(after), {
    id: ev.id,
    receivedAt,
  });
  if (r.result === 'changed') {
    log.info({ ...ctx, status: r.status, via: 'notification' }, 'order state changed');
    return { status: 204 };
  }
  // Nothing moved. A re-delivery of the event that paid the order meanwhile (the order in hand was not paid
  // yet: remembered from before, or a concurrent delivery won) is answered as handled; anything else is
  // recorded in the event log, whose unique event id tells a repeat.
  if (r.result === 'unchanged' && order.status !== 'PAID') {
    const current = await deps.orders.findById(order.id);
    if (current?.paymentEventId === ev.id) {
      log.info({ ...ctx, duplicate: true }, 'duplicate payment notification');
      return { status: 204 };
    }
  }
  const outcome = r.result === 'unchanged' ? 'applied' : r.result;
  const recorded = await record(deps, {
    eventId: ev.id,
    eventType: ev.event_type,
    outTradeNo: tx.out_trade_no,
    orderId: order.id,
    transactionId: tx.id,
    outcome,
    ...(r.result === 'flagged' || r.result === 'rejected' ? { detail: r.reason } : {}),
  });
  if (!recorded) {
    // A re-delivery carries the same event for the same order and transaction; anything else reusing a
    // recorded event id is a replay aimed at another order.
    const first = await deps.paymentEvents.find(ev.id);
    if (first && (first.outTradeNo !== tx.out_trade_no || (first.transactionId ?? tx.id) !== tx.id)) {
      log.error(ctx, 'payment event id replayed for another order: rejected');
      return { status: 400, message: 'event id already used for another order' };
    }
  }
  switch (r.result) {
    case 'unchanged':
      log.info(
        { ...ctx, duplicate: !recorded },
        recorded ? 'payment notification: order already up to date' : 'duplicate payment notification',
      );
      return { status: 204 };
    case 'flagged':
      log.error({ ...ctx, reason: r.reason }, 'payment notification does not match the order amount: flagged, not paid');
      // Acknowledged: the event is genuine and recorded; re-deliveries cannot change the verdict.
      return { status: 204 };
    case 'rejected':
      log.error({ ...ctx, reason: r.reason }, 'payment notification does not match the merchant or order');
      return { status: 400, message: r.reason };
  }
}

/** Inserts the event record; false when this event id was recorded before. */
function record(deps: PaymentNotificationDeps, e: Omit<PaymentEvent, 'receivedAt'>): Promise<boolean> {
  return deps.paymentEvents.insert({ ...e, receivedAt: new Date() });
}
