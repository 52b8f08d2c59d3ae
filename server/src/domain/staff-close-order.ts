// Staff closes an unpaid order at WeChat (not just locally). WeChat answering ORDERPAID means the customer paid
// meanwhile: the order is queried and marked paid instead.
import type { Logger } from '../logger';
import type { OrderDoc, OrderModel } from '../models/order';
import type { PaymentGateway } from '../payment-gateway';
import { DomainError } from './errors';
import { providerError } from './order-service';
import { applyTransaction } from './order-state';

export async function closeOrderAtWechat(d: { Order: OrderModel; gateway: PaymentGateway; logger: Logger; now?: () => Date }, order: OrderDoc): Promise<{ order: OrderDoc; result: 'closed' | 'paid' }> {
  if (order.status !== 'PENDING') throw new DomainError('ORDER_NOT_CLOSABLE', `the order is ${order.status}`);
  if (order.source === 'pos') throw new DomainError('ORDER_NOT_CLOSABLE', 'a Quick Pay order is reversed by its charge, not closed');
  const now = d.now?.() ?? new Date();
  let result: 'closed' | 'paid';
  try {
    result = await d.gateway.close(order.outTradeNo);
  } catch (err) {
    throw providerError(err, 'could not close the order at WeChat Pay');
  }
  if (result === 'closed') {
    await d.Order.updateOne({ _id: order._id, status: 'PENDING' }, { $set: { status: 'CLOSED', wxTradeState: 'CLOSED', closedAt: now }, $unset: { nextSyncAt: 1 } });
  } else {
    let tx;
    try {
      tx = await d.gateway.queryByOutTradeNo(order.outTradeNo);
    } catch (err) {
      throw providerError(err, 'WeChat Pay says the order is paid; the query to confirm it failed');
    }
    if (tx) await applyTransaction(d.Order, order, tx, d.gateway.identity, now);
    d.logger.info({ outTradeNo: order.outTradeNo }, 'close answered ORDERPAID: order marked paid from the query');
  }
  const after = (await d.Order.findById(order._id).lean<OrderDoc>()) ?? order;
  return { order: after, result };
}
