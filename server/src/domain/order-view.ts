// The customer-facing shape of an order (shared/api.ts OrderView). Refund lines come from the refund side
// through a lookup so this module does not depend on the refund model.
import { randomBytes } from 'node:crypto';
import type { OrderView, PromotionView, RefundView } from '../../../shared/api';
import type { Order } from './ports/orders';

/** Returns the refunds of each order id (string), in creation order. */
export type RefundLookup = (orderIds: string[]) => Promise<Map<string, RefundView[]>>;

export const noRefunds: RefundLookup = async () => new Map();

/**
 * Whether the order may have refund lines. A refund counts in refundCount from the moment it holds its
 * amount (a refused one is deleted; a finished one stays counted): an order with no count and no hold has none,
 * so its view needs no refund lookup (every unpaid order, and most paid ones).
 */
export function mayHaveRefunds(o: Pick<Order, 'refundCount' | 'refundHolds'>): boolean {
  return (o.refundCount ?? 0) > 0 || (o.refundHolds?.length ?? 0) > 0;
}

/** The refund lines of these orders, asking the lookup only about those that may have some. */
export async function refundsOf(lookup: RefundLookup, orders: Order[]): Promise<Map<string, RefundView[]>> {
  const ids = orders.filter(mayHaveRefunds).map((o) => o.id);
  return ids.length ? lookup(ids) : new Map();
}

export function toOrderView(o: Order, refunds: RefundView[] = []): OrderView {
  const view: OrderView = {
    id: o.id,
    outTradeNo: o.outTradeNo,
    status: o.status,
    items: o.items.map((i) => ({
      sku: i.sku,
      name: { 'zh-HK': i.name['zh-HK'], en: i.name.en },
      unitPrice: i.unitPrice,
      quantity: i.quantity,
      amount: i.amount,
    })),
    total: o.total,
    currency: o.currency,
    refundedAmount: o.refunded ?? 0,
    refundableAmount: o.status === 'PAID' ? (o.refundable ?? 0) : 0,
    createdAt: o.createdAt.toISOString(),
    expiresAt: o.expiresAt.toISOString(),
    refunds,
  };
  if (o.paidAt) view.paidAt = o.paidAt.toISOString();
  if (o.payerTotal !== undefined) view.payerTotal = o.payerTotal;
  if (o.payerCurrency) view.payerCurrency = o.payerCurrency;
  if (o.exchangeRate) view.exchangeRate = o.exchangeRate / 1e8;
  if (o.promotions?.length) {
    view.promotions = o.promotions.map((p) => {
      const v: PromotionView = { amount: p.amount };
      if (p.promotionId) v.id = p.promotionId;
      if (p.name) v.name = p.name;
      if (p.type) v.type = p.type;
      if (p.scope) v.scope = p.scope;
      if (p.wechatpayContribute !== undefined) v.wechatpayShare = p.wechatpayContribute;
      if (p.merchantContribute !== undefined) v.merchantShare = p.merchantContribute;
      if (p.otherContribute !== undefined) v.otherShare = p.otherContribute;
      return v;
    });
  }
  return view;
}

/** A fresh out_trade_no: 'M' + UTC yyMMddHHmmss + 16 hex = 29 characters of [A-Za-z0-9]. */
export function newOutTradeNo(prefix = 'M', now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${p(now.getUTCFullYear() % 100)}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${prefix}${stamp}${randomBytes(8).toString('hex')}`;
}
