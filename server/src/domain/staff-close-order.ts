// Staff closes an unpaid order at WeChat (not just locally). WeChat answering ORDERPAID means the customer paid
// meanwhile: the order is queried and marked paid instead.
import type { Logger } from '../logger';
import { moved, type Order, type OrderRepository } from './ports/orders';
import type { PaymentGateway } from './ports/payment-gateway';
import { DomainError } from './errors';
import { isWechatPayError } from './ports/payment-gateway';
import { providerError } from './order-service';
import { applyTransaction } from './order-state';

export async function closeOrderAtWechat(
  deps: { orders: OrderRepository; gateway: PaymentGateway; logger: Logger; now?: () => Date },
  order: Order,
): Promise<{ order: Order; result: 'closed' | 'paid' }> {
  if (order.status !== 'PENDING') throw new DomainError('ORDER_NOT_CLOSABLE', `the order is ${order.status}`);
  if (order.source === 'pos') throw new DomainError('ORDER_NOT_CLOSABLE', 'a Quick Pay order is reversed by its charge, not closed');
  const now = deps.now?.() ?? new Date();
  let result: 'closed' | 'paid';
  try {
    result = await deps.gateway.close(order.outTradeNo);
  } catch (err) {
    // WeChat Pay closes no order in its first 5 minutes: a rule staff can wait out, not a provider failure.
    if (isWechatPayError(err, 'RULE_LIMIT')) {
      throw new DomainError(
        'ORDER_CLOSE_TOO_SOON',
        'WeChat Pay does not close an order within 5 minutes of its creation; try again later',
        {
          createdAt: order.createdAt.toISOString(),
          closableFrom: new Date(order.createdAt.getTime() + 5 * 60_000).toISOString(),
        },
      );
    }
    throw providerError(err, 'could not close the order at WeChat Pay');
  }
  if (result === 'closed') {
    const closed = await deps.orders.transition(order.id, ['PENDING'], { status: 'CLOSED', wxTradeState: 'CLOSED', closedAt: now });
    if (moved(closed)) return { order: closed, result };
  } else {
    let tx;
    try {
      tx = await deps.gateway.queryByOutTradeNo(order.outTradeNo);
    } catch (err) {
      throw providerError(err, 'WeChat Pay says the order is paid; the query to confirm it failed');
    }
    if (tx) await applyTransaction(deps.orders, order, tx, deps.gateway.identity, now);
    deps.logger.info({ outTradeNo: order.outTradeNo }, 'close answered ORDERPAID: order marked paid from the query');
  }
  const after = (await deps.orders.findById(order.id)) ?? order;
  return { order: after, result };
}
