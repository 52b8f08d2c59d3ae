// What happened in the domain, told to whoever watches (the metrics module implements it; tests may record it).
// Observers must not throw and must not block: calls are fire-and-forget from the rules' point of view.
import type { OrderStatus, RefundStatus } from '../../../../shared/api';

export type NotificationKind = 'transaction' | 'refund';

export interface DomainEvents {
  /** An order moved to `to` by one conditional update; `total`/`currency` when known (always for PAID). */
  orderStateChanged(e: { to: OrderStatus; total?: number; currency?: string }): void;
  /** An order was flagged for a person (amount or currency mismatch, refund ABNORMAL...). */
  orderFlagged(): void;
  /** A refund moved to `to`; `amount`/`currency` when known (always for SUCCESS). */
  refundStateChanged(e: { to: RefundStatus; amount?: number; currency?: string }): void;
  /** A WeChat Pay notification was answered: its event type (or why none) and the answer. */
  notificationHandled(e: { kind: NotificationKind; eventType: string; status: number }): void;
}

/** Tells nobody. */
export const noDomainEvents: DomainEvents = {
  orderStateChanged: () => undefined,
  orderFlagged: () => undefined,
  refundStateChanged: () => undefined,
  notificationHandled: () => undefined,
};
