// "Order again": an order that can no longer be paid (payment failed, closed, expired) becomes a new order
// with the same items, at today's catalog prices (the backend prices it). The caller keeps one
// clientRequestId per attempt, so a repeated tap or a retry after a lost answer makes one order.
import type { CreateOrderResponse, OrderView } from '../../shared/api';
import { createOrder } from './api';
import { newRequestId } from './cart';

export { newRequestId };

export function reorder(order: Pick<OrderView, 'items'>, clientRequestId: string): Promise<CreateOrderResponse> {
  return createOrder({ items: order.items.map((i) => ({ sku: i.sku, quantity: i.quantity })), clientRequestId });
}

export function payPageUrl(orderId: string): string {
  return `/pages/pay/index?orderId=${encodeURIComponent(orderId)}`;
}
