// What the customer is shown for an order, derived from the backend's OrderView in one place, so the
// list, the order page and the result page never disagree: a paid order with refunds is "Refunded" or
// "Partially refunded", and what can be done next follows what WeChat Pay allows for that state.
import type { OrderStatus, OrderView } from '../../shared/api';

export type OrderDisplayStatus = OrderStatus | 'PARTIALLY_REFUNDED' | 'REFUNDED';

export function displayStatus(o: Pick<OrderView, 'status' | 'total' | 'refundedAmount'>): OrderDisplayStatus {
  if (o.status === 'PAID' && o.refundedAmount > 0) return o.refundedAmount >= o.total ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
  return o.status;
}

/**
 * The next step offered for an order:
 * - "pay": unpaid and not expired, so WeChat Pay still takes a payment for it (a failed or cancelled sheet
 *   leaves the order payable);
 * - "reorder": payment failed (PAYERROR is final for that order), or the order was closed or has expired:
 *   it can never be paid, so the same items go into a new order;
 * - "none": paid (refunds are the shop's to make).
 */
export function nextStep(o: Pick<OrderView, 'status' | 'expiresAt'>, now: number = Date.now()): 'pay' | 'reorder' | 'none' {
  if (o.status === 'PAID') return 'none';
  if (o.status === 'PENDING') return Date.parse(o.expiresAt) > now ? 'pay' : 'reorder';
  return 'reorder';
}
