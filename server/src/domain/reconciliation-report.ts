// Downloads a day's statement (the client verifies its SHA-1 and signature) and reconciles it with our books.
import type { StatementReport } from '../../../shared/api';
import type { OrderDoc, OrderModel } from '../models/order';
import type { RefundDoc, RefundModel } from '../models/refund';
import type { PaymentGateway } from '../payment-gateway';
import { isWechatPayError } from '../payment-gateway';
import { DomainError } from './errors';
import { providerError } from './order-service';
import { gmt8Day, reconcile } from './reconciliation';

export async function reconcileDay(d: { Order: OrderModel; Refund: RefundModel; gateway: PaymentGateway; currency: string }, date: string): Promise<StatementReport> {
  let statement;
  try {
    statement = await d.gateway.statement(date);
  } catch (err) {
    if (isWechatPayError(err, ['NO_STATEMENT_EXIST', 'STATEMENT_CREATING', 'RESOURCE_NOT_EXISTS'])) {
      throw new DomainError('NOT_FOUND', `WeChat Pay has no statement for ${date} (${err.code})`);
    }
    if (isWechatPayError(err, ['PARAM_ERROR', 'INVALID_REQUEST'])) throw new DomainError('VALIDATION_FAILED', `WeChat Pay refused the date: ${err.message}`);
    throw providerError(err, 'could not download the statement');
  }
  const { start, end } = gmt8Day(date);
  const named = statement.rows.map((r) => r.out_trade_no).filter(Boolean);
  const namedRefunds = statement.rows.map((r) => r.out_refund_no).filter(Boolean);
  const [paidThatDay, namedOrders, refundsThatDay, namedRefundDocs] = await Promise.all([
    d.Order.find({ status: 'PAID', paidAt: { $gte: start, $lt: end } }).lean<OrderDoc[]>(),
    d.Order.find({ outTradeNo: { $in: named } }).lean<OrderDoc[]>(),
    d.Refund.find({ acceptedAt: { $gte: start, $lt: end }, status: { $in: ['PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL'] } }).lean<RefundDoc[]>(),
    d.Refund.find({ outRefundNo: { $in: namedRefunds } }).lean<RefundDoc[]>(),
  ]);
  const orders = new Map([...paidThatDay, ...namedOrders].map((o) => [o.outTradeNo, { outTradeNo: o.outTradeNo, status: o.status, total: o.total }]));
  const refunds = new Map(
    [...refundsThatDay, ...namedRefundDocs].map((r) => [r.outRefundNo, { outRefundNo: r.outRefundNo, outTradeNo: r.outTradeNo, status: r.status, amount: r.amount }]),
  );
  return reconcile(
    date,
    statement.sha1,
    statement.rows,
    d.currency,
    [...orders.values()],
    new Set(paidThatDay.map((o) => o.outTradeNo)),
    [...refunds.values()],
    new Set(refundsThatDay.map((r) => r.outRefundNo)),
  );
}
