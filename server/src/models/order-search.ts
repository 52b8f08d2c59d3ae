// Finds orders by any number a person may have in hand: our order number (out_trade_no), WeChat Pay's
// transaction id, our refund number (out_refund_no) or WeChat Pay's refund id. Exact matches only; the first
// three go through unique indexes (the transaction id through its binding to one order).
import type { Connection } from 'mongoose';
import type { AdminSearchResult } from '../../../shared/api';
import { orderModel, type OrderDoc } from './order';
import { refundModel } from './refund';
import { transactionBindingModel } from './transaction-binding';

export type SearchMatch = AdminSearchResult['matchedBy'];
export type OrderSearch = (q: string) => Promise<{ orders: OrderDoc[]; matchedBy: SearchMatch }>;

export function orderSearch(db: Connection): OrderSearch {
  const Order = orderModel(db);
  const Refund = refundModel(db);
  const Binding = transactionBindingModel(db);
  return async (q) => {
    const byNo = await Order.findOne({ outTradeNo: q }).lean<OrderDoc>();
    if (byNo) return { orders: [byNo], matchedBy: 'outTradeNo' };
    const binding = await Binding.findById(q).lean();
    if (binding) {
      const o = await Order.findOne({ outTradeNo: binding.outTradeNo }).lean<OrderDoc>();
      if (o) return { orders: [o], matchedBy: 'transactionId' };
    }
    const refund = (await Refund.findOne({ outRefundNo: q }, { orderId: 1 }).lean()) ?? undefined;
    const byRefundId = refund ? undefined : ((await Refund.findOne({ refundId: q }, { orderId: 1 }).lean()) ?? undefined);
    const hit = refund ?? byRefundId;
    if (hit) {
      const o = await Order.findById(hit.orderId).lean<OrderDoc>();
      if (o) return { orders: [o], matchedBy: refund ? 'outRefundNo' : 'refundId' };
    }
    return { orders: [], matchedBy: null };
  };
}
