// Refunds made outside this system (by the merchant, in WeChat Pay's merchant platform) are found with WeChat's
// all-refunds query of an order and recorded through RefundService.recordFromWechat, so the order's refundable
// balance stays true. The query is made when a refund notification names an out_refund_no we do not know, when
// the daily reconciliation finds refunds in WeChat's statement that we do not have, and when staff ask.
import type { Logger } from '../logger';
import type { Order, OrderRepository } from './ports/orders';
import { ERROR_CODE_ALIASES, isWechatPayError, type PaymentGateway, type StatementRow } from './ports/payment-gateway';
import type { RefundRepository } from './ports/refunds';
import type { RefundService } from './refund-service';

export interface RefundDiscoveryOptions {
  orders: OrderRepository;
  refundRecords: RefundRepository;
  refunds: RefundService;
  gateway: PaymentGateway;
  logger: Logger;
}

export interface DiscoveryResult {
  /** Refunds WeChat lists for the order(s). */
  found: number;
  /** Refunds made outside this system recorded now. */
  recorded: number;
  /** Refunds that could not be counted (flagged for a person). */
  flagged: number;
}

/** WeChat answers at most 20 refunds a page; an order has at most 50 refunds. */
const PAGE = 20;
const MAX_PAGES = 3;

export class RefundDiscovery {
  constructor(private readonly deps: RefundDiscoveryOptions) {}

  /** WeChat's all-refunds query for `order`; every refund it lists is recorded (ours: its status applied). */
  async checkOrder(order: Order): Promise<DiscoveryResult> {
    const result: DiscoveryResult = { found: 0, recorded: 0, flagged: 0 };
    for (let page = 0; page < MAX_PAGES; page++) {
      let list;
      try {
        list = await this.deps.gateway.listRefunds({ out_trade_no: order.outTradeNo, offset: page * PAGE, count: PAGE });
      } catch (err) {
        // An order WeChat does not know (never paid there) has no refunds.
        if (isWechatPayError(err, [...ERROR_CODE_ALIASES.orderNotExist, 'RESOURCE_NOT_EXISTS'])) return result;
        throw err;
      }
      for (const wx of list.data) {
        result.found += 1;
        const outcome = await this.deps.refunds.recordFromWechat(order, wx);
        if (outcome.recorded) result.recorded += 1;
        if (outcome.flagged) result.flagged += 1;
      }
      if (list.data.length < PAGE || result.found >= (list.total_num ?? 0)) break;
    }
    if (result.recorded || result.flagged) this.deps.logger.info({ outTradeNo: order.outTradeNo, ...result }, 'all-refunds query recorded');
    return result;
  }

  /**
   * Statement rows naming refunds we do not have: each of our orders they belong to is checked once. A failed
   * query is logged and skipped (the difference then stays in the report for a person).
   */
  async checkStatementRows(rows: readonly StatementRow[]): Promise<DiscoveryResult> {
    const total: DiscoveryResult = { found: 0, recorded: 0, flagged: 0 };
    const refundRows = rows.filter((r) => r.out_refund_no);
    if (!refundRows.length) return total;
    const known = new Set(
      (await this.deps.refundRecords.findByOutRefundNos(refundRows.map((r) => r.out_refund_no!))).map((r) => r.outRefundNo),
    );
    const orderNos = [...new Set(refundRows.filter((r) => !known.has(r.out_refund_no!)).map((r) => r.out_trade_no))].filter(Boolean);
    if (!orderNos.length) return total;
    for (const order of await this.deps.orders.findByOutTradeNos(orderNos)) {
      try {
        const r = await this.checkOrder(order);
        total.found += r.found;
        total.recorded += r.recorded;
        total.flagged += r.flagged;
      } catch (err) {
        this.deps.logger.warn({ outTradeNo: order.outTradeNo, err: { message: (err as Error).message } }, 'all-refunds query failed');
      }
    }
    return total;
  }
}
