// The record of every notification WeChat Pay delivered, one per event id (a unique key), for idempotency and
// for the staff console's trail of an order.
export type PaymentEventOutcome = 'applied' | 'duplicate' | 'rejected' | 'flagged' | 'ignored';
export type RefundEventOutcome = 'processing' | 'applied' | 'duplicate' | 'rejected' | 'flagged';

export interface PaymentEvent {
  eventId: string;
  eventType: string;
  outTradeNo?: string;
  orderId?: string;
  transactionId?: string;
  receivedAt: Date;
  outcome: PaymentEventOutcome;
  detail?: string;
}

export interface RefundEvent {
  eventId: string;
  eventType: string;
  outRefundNo?: string;
  refundId?: string;
  orderId?: string;
  receivedAt: Date;
  outcome: RefundEventOutcome;
  detail?: string;
}

export interface EventLog<E extends { eventId: string; outcome: string; detail?: string }> {
  /** Records the event; false when its id was recorded before. */
  insert(event: E): Promise<boolean>;
  find(eventId: string): Promise<E | undefined>;
  setOutcome(eventId: string, outcome: E['outcome'], detail?: string): Promise<void>;
  /** An order's events, oldest first (at most `limit`). */
  forOrder(orderId: string, limit: number): Promise<E[]>;
}

export type PaymentEventLog = EventLog<PaymentEvent>;
export type RefundEventLog = EventLog<RefundEvent>;
