// Expired unpaid orders are closed AT WECHAT, not just locally, so a late payment cannot land on an order we
// consider closed. ORDERPAID on close means the customer paid meanwhile: query and mark it paid. After a close
// the order is queried too and moved by what WeChat says (CLOSED), through the same conditional update.
// A Quick Pay (POS) order has no prepay to close: if WeChat still has the charge open (the customer may yet
// confirm it on the phone) it is reversed; a charge that completed meanwhile is marked paid, never reversed.
import { describeError, type OrderService } from '../domain/order-service';
import { moved, type Order, type OrderRepository } from '../domain/ports/orders';
import { isOrderNotExist, isWechatPayError, type PaymentGateway, type Transaction } from '../domain/ports/payment-gateway';
import type { Logger } from '../logger';
import { workOnClaimed } from './claimed-batch';

export interface ExpiredOrdersJobDeps {
  orderRecords: OrderRepository;
  orders: OrderService;
  gateway: PaymentGateway;
  owner: string;
  claimSeconds: number;
  retrySeconds: number;
  batchSize: number;
  logger: Logger;
  now?: () => Date;
}

export async function runExpiredOrders(deps: ExpiredOrdersJobDeps): Promise<{ closed: number; paid: number; failed: number }> {
  const now = (deps.now ?? (() => new Date()))();
  const claimed = await deps.orderRecords.claimDue('expired', {
    now,
    claimMs: deps.claimSeconds * 1000,
    owner: deps.owner,
    limit: deps.batchSize,
  });
  const counts = { closed: 0, paid: 0, failed: 0 };
  await workOnClaimed(claimed, async (order) => {
    try {
      const outcome = await closeOne(deps, order, now);
      if (outcome) counts[outcome]++;
    } catch (err) {
      counts.failed++;
      deps.logger.warn({ outTradeNo: order.outTradeNo, err: describeError(err) }, 'closing an expired order failed; retried later');
      await deps.orderRecords.reschedule(order.id, deps.owner, new Date(now.getTime() + deps.retrySeconds * 1000));
    }
  });
  return counts;
}

async function queryAtWechat(deps: ExpiredOrdersJobDeps, order: Order): Promise<Transaction | undefined> {
  return deps.gateway.queryByOutTradeNo(order.outTradeNo).catch((err) => {
    if (isOrderNotExist(err)) return undefined;
    throw err;
  });
}

/** Applies what WeChat says; 'open' while it still has the order payable. */
async function applyAnswer(deps: ExpiredOrdersJobDeps, order: Order, tx: Transaction): Promise<'closed' | 'paid' | 'open' | undefined> {
  const r = await deps.orders.applyFromWechat(order, tx);
  if (r.result === 'changed') return r.status === 'PAID' ? 'paid' : 'closed';
  if (tx.trade_state === 'NOTPAY' || tx.trade_state === 'USERPAYING') return 'open';
  return undefined;
}

async function closeOne(deps: ExpiredOrdersJobDeps, order: Order, now: Date): Promise<'closed' | 'paid' | undefined> {
  if (order.source === 'pos') {
    const tx = await queryAtWechat(deps, order);
    if (tx) {
      const before = await applyAnswer(deps, order, tx);
      if (before !== 'open') return before;
      await deps.gateway.reverse(order.outTradeNo);
      const after = await queryAtWechat(deps, order);
      const outcome = after ? await applyAnswer(deps, order, after) : 'open';
      // Still open: try again later rather than lie locally.
      if (outcome === 'open') throw new Error(`reverse sent but WeChat says ${after?.trade_state ?? 'nothing'}`);
      return outcome;
    }
  } else if (order.prepayId) {
    let closeResult: 'closed' | 'paid';
    try {
      closeResult = await deps.gateway.close(order.outTradeNo);
    } catch (err) {
      // Already closed at WeChat (time_expire passed) is fine: the query below tells the final state.
      if (!isWechatPayError(err) || err.outcomeUnknown) throw err;
      closeResult = 'closed';
    }
    const tx = await queryAtWechat(deps, order);
    if (tx) {
      const outcome = await applyAnswer(deps, order, tx);
      // WeChat still has it open (close refused?): try again later rather than lie locally.
      if (outcome === 'open') throw new Error(`close answered ${closeResult} but WeChat says ${tx.trade_state}`);
      return outcome;
    }
  }
  // Never reached WeChat (no prepay) or unknown there: nothing can be paid, close locally.
  const closed = await deps.orderRecords.transition(order.id, ['PENDING'], { status: 'CLOSED', closedAt: now, wxTradeState: 'CLOSED' });
  return moved(closed) ? 'closed' : undefined;
}
