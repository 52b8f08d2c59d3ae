// "Order again": an order that can no longer be paid (payment failed, closed, expired) becomes a new order
// with the same items, at today's catalog prices (the backend prices it). The caller keeps one
// clientRequestId per attempt, so a repeated tap or a retry after a lost answer makes one order.
import type { CreateOrderResponse, OrderView } from '../../shared/api';
import { createOrder } from './api';
import { newRequestId } from './cart';
import { handOffPayment } from './pay';

export { newRequestId };

/** The answer (prepaid and signed) is handed to the pay page, which opens next. */
export async function reorder(order: Pick<OrderView, 'items'>, clientRequestId: string): Promise<CreateOrderResponse> {
  const answer = await createOrder({ items: order.items.map((i) => ({ sku: i.sku, quantity: i.quantity })), clientRequestId });
  handOffPayment(answer);
  return answer;
}

export function payPageUrl(orderId: string): string {
  return `/pages/pay/index?orderId=${encodeURIComponent(orderId)}`;
}
