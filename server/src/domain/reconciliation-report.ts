// Downloads a day's statement (the client verifies its SHA-1 and signature) and reconciles it with our books.
import type { StatementReport } from '../../../shared/api';
import type { OrderRepository } from './ports/orders';
import { isWechatPayError, type PaymentGateway, type Statement } from './ports/payment-gateway';
import type { RefundRepository } from './ports/refunds';
import { DomainError } from './errors';
import { providerError } from './order-service';
import { gmt8Day, reconcile } from './reconciliation';

export interface ReconciliationOptions {
  orders: OrderRepository;
  refunds: RefundRepository;
  gateway: PaymentGateway;
  currency: string;
}

export class Reconciliation {
  constructor(private readonly deps: ReconciliationOptions) {}

  day(date: string): Promise<StatementReport> {
    return reconcileDay(this.deps, date);
  }
}

export async function reconcileDay(deps: ReconciliationOptions, date: string): Promise<StatementReport> {
  let statement;
  try {
    statement = await deps.gateway.statement(date);
  } catch (err) {
    if (isWechatPayError(err, ['NO_STATEMENT_EXIST', 'STATEMENT_CREATING', 'RESOURCE_NOT_EXISTS'])) {
      throw new DomainError('NOT_FOUND', `WeChat Pay has no statement for ${date} (${err.code})`);
    }
    if (isWechatPayError(err, ['PARAM_ERROR', 'INVALID_REQUEST']))
      throw new DomainError('VALIDATION_FAILED', `WeChat Pay refused the date: ${err.message}`);
    throw providerError(err, 'could not download the statement');
  }
  return compareWithBooks(deps, date, statement);
}

/** Compares a downloaded statement (rows and SHA-1) with our orders and refunds of that day. */
export async function compareWithBooks(
  deps: Pick<ReconciliationOptions, 'orders' | 'refunds' | 'currency'>,
  date: string,
  statement: Pick<Statement, 'rows' | 'sha1'>,
): Promise<StatementReport> {
  const { start, end } = gmt8Day(date);
  const named = statement.rows.map((r) => r.out_trade_no).filter(Boolean);
  const namedRefunds = statement.rows.map((r) => r.out_refund_no).filter(Boolean);
  const [paidThatDay, namedOrders, refundsThatDay, namedRefundDocs] = await Promise.all([
    deps.orders.paidBetween(start, end),
    deps.orders.findByOutTradeNos(named),
    deps.refunds.acceptedBetween(start, end),
    deps.refunds.findByOutRefundNos(namedRefunds),
  ]);
  const orders = new Map(
    [...paidThatDay, ...namedOrders].map((o) => [o.outTradeNo, { outTradeNo: o.outTradeNo, status: o.status, total: o.total }]),
  );
  const refunds = new Map(
    [...refundsThatDay, ...namedRefundDocs].map((r) => [
      r.outRefundNo,
      { outRefundNo: r.outRefundNo, outTradeNo: r.outTradeNo, status: r.status, amount: r.amount },
    ]),
  );
  return reconcile(
    date,
    statement.sha1,
    statement.rows,
    deps.currency,
    [...orders.values()],
    new Set(paidThatDay.map((o) => o.outTradeNo)),
    [...refunds.values()],
    new Set(refundsThatDay.map((r) => r.outRefundNo)),
  );
}
