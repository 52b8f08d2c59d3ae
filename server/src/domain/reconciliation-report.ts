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

  /** `store`: only that store's orders (and their statement rows, by out_trade_no) are compared. */
  day(date: string, store?: string): Promise<StatementReport> {
    return reconcileDay(this.deps, date, store);
  }
}

export async function reconcileDay(deps: ReconciliationOptions, date: string, store?: string): Promise<StatementReport> {
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
  return compareWithBooks(deps, date, statement, store);
}

/**
 * Compares a downloaded statement (rows and SHA-1) with our orders and refunds of that day. With `store`, both sides
 * are limited to that store's orders: a statement row belongs to a store when its out_trade_no is one of our orders
 * charged at one of the store's tills (the order keeps its till), a refund row through its order likewise. A row we
 * have no order for belongs to no store: it shows only in the whole day's report.
 */
export async function compareWithBooks(
  deps: Pick<ReconciliationOptions, 'orders' | 'refunds' | 'currency'>,
  date: string,
  whole: Pick<Statement, 'rows' | 'sha1'>,
  store?: string,
): Promise<StatementReport> {
  const { start, end } = gmt8Day(date);
  const named = whole.rows.map((r) => r.out_trade_no).filter(Boolean);
  const namedRefunds = whole.rows.map((r) => r.out_refund_no).filter(Boolean);
  let [paidThatDay, namedOrders, refundsThatDay, namedRefundDocs] = await Promise.all([
    deps.orders.paidBetween(start, end),
    deps.orders.findByOutTradeNos(named),
    deps.refunds.acceptedBetween(start, end),
    deps.refunds.findByOutRefundNos(namedRefunds),
  ]);
  let statement = whole;
  if (store !== undefined) {
    const known = new Map([...paidThatDay, ...namedOrders].map((o) => [o.outTradeNo, o]));
    const missing = [...refundsThatDay, ...namedRefundDocs].map((r) => r.outTradeNo).filter((no) => !known.has(no));
    if (missing.length) for (const o of await deps.orders.findByOutTradeNos([...new Set(missing)])) known.set(o.outTradeNo, o);
    const ofStore = (outTradeNo: string) => known.get(outTradeNo)?.till?.storeId === store;
    paidThatDay = paidThatDay.filter((o) => ofStore(o.outTradeNo));
    namedOrders = namedOrders.filter((o) => ofStore(o.outTradeNo));
    refundsThatDay = refundsThatDay.filter((r) => ofStore(r.outTradeNo));
    namedRefundDocs = namedRefundDocs.filter((r) => ofStore(r.outTradeNo));
    statement = { sha1: whole.sha1, rows: whole.rows.filter((r) => ofStore(r.out_trade_no)) };
  }
  const orders = new Map(
    [...paidThatDay, ...namedOrders].map((o) => [o.outTradeNo, { outTradeNo: o.outTradeNo, status: o.status, total: o.total }]),
  );
  const refunds = new Map(
    [...refundsThatDay, ...namedRefundDocs].map((r) => [
      r.outRefundNo,
      { outRefundNo: r.outRefundNo, outTradeNo: r.outTradeNo, status: r.status, amount: r.amount },
    ]),
  );
  const report = reconcile(
    date,
    statement.sha1,
    statement.rows,
    deps.currency,
    [...orders.values()],
    new Set(paidThatDay.map((o) => o.outTradeNo)),
    [...refunds.values()],
    new Set(refundsThatDay.map((r) => r.outRefundNo)),
  );
  return store === undefined ? report : { ...report, store };
}
