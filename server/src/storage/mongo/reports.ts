// The mongoose side of the dashboard and the CSV exports (domain/dashboard.ts). Every row set is read through
// a cursor in batches, with only the fields needed, so a 100,000-row export never sits in memory.
// Orders are found through the indexes on paidAt and createdAt; refunds have no date index of their own yet.
import type { Connection } from 'mongoose';
import type { OrderStatus } from '../../../../shared/api';
import type { OrderExportRow, PaidOrderRow, RefundExportRow, ReportSource, SucceededRefundRow } from '../../domain/dashboard';
import { orderModel } from './models/order';
import { refundModel } from './models/refund';

const BATCH = 500;

export function mongoReports(db: Connection): ReportSource {
  const Order = orderModel(db);
  const Refund = refundModel(db);
  const range = (from: Date, to: Date) => ({ $gte: from, $lt: to });
  return {
    paidOrders: (from, to) =>
      Order.find({ paidAt: range(from, to), status: 'PAID' }, { paidAt: 1, total: 1 })
        .lean<PaidOrderRow[]>()
        .cursor({ batchSize: BATCH }) as AsyncIterable<PaidOrderRow>,
    succeededRefunds: (from, to) =>
      Refund.find({ succeededAt: range(from, to), status: 'SUCCESS' }, { succeededAt: 1, amount: 1 })
        .lean<SucceededRefundRow[]>()
        .cursor({ batchSize: BATCH }) as AsyncIterable<SucceededRefundRow>,
    createdByStatus: async (from, to) => {
      const count = (status: OrderStatus) => Order.countDocuments({ status, createdAt: range(from, to) });
      const [paid, failed, closed, pending] = await Promise.all([count('PAID'), count('FAILED'), count('CLOSED'), count('PENDING')]);
      return { paid, failed, closed, pending };
    },
    ordersCreated: (from, to) =>
      Order.find(
        { createdAt: range(from, to) },
        {
          outTradeNo: 1,
          transactionId: 1,
          status: 1,
          source: 1,
          description: 1,
          currency: 1,
          total: 1,
          refunded: 1,
          refundable: 1,
          createdAt: 1,
          paidAt: 1,
          closedAt: 1,
        },
      )
        .sort({ createdAt: 1, _id: 1 })
        .lean<OrderExportRow[]>()
        .cursor({ batchSize: BATCH }) as AsyncIterable<OrderExportRow>,
    refundsCreated: (from, to) =>
      Refund.find(
        { createdAt: range(from, to) },
        {
          outRefundNo: 1,
          refundId: 1,
          outTradeNo: 1,
          status: 1,
          currency: 1,
          amount: 1,
          reason: 1,
          createdBy: 1,
          createdAt: 1,
          succeededAt: 1,
        },
      )
        .sort({ createdAt: 1, _id: 1 })
        .lean<RefundExportRow[]>()
        .cursor({ batchSize: BATCH }) as AsyncIterable<RefundExportRow>,
  };
}
