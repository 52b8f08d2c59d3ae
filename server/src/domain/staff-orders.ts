// What staff see of orders: the list with its filters, one order with its refunds, notifications and audit
// trail, and closing an order at WeChat.
import type { AdminOrderList, AdminOrderView, NotificationRecord } from '../../../shared/api';
import type { Logger } from '../logger';
import { DomainError } from './errors';
import { toOrderView } from './order-view';
import type { PaymentEvent, PaymentEventLog, RefundEventLog } from './ports/events';
import type { AdminOrderFilter, Order, OrderRepository } from './ports/orders';
import type { PaymentGateway } from './ports/payment-gateway';
import type { RefundRepository } from './ports/refunds';
import { toAdminRefundView, type RefundService } from './refund-service';
import type { AuditLog } from './staff-audit';
import { toOrderTillView } from './tills';
import { closeOrderAtWechat } from './staff-close-order';

export interface StaffOrdersOptions {
  orders: OrderRepository;
  paymentEvents: PaymentEventLog;
  refundEvents: RefundEventLog;
  refunds: RefundService;
  refundRecords: RefundRepository;
  audit: AuditLog;
  gateway: PaymentGateway;
}

export class StaffOrders {
  constructor(private readonly deps: StaffOrdersOptions) {}

  async list(filter: AdminOrderFilter, page: number, pageSize: number): Promise<AdminOrderList> {
    const { items, total } = await this.deps.orders.listForStaff(filter, page, pageSize);
    const refunds = await this.deps.refunds.forOrders(items.map((o) => o.id));
    return { items: items.map((o) => toOrderView(o, (refunds.get(o.id) ?? []).map(toAdminRefundView))), page, pageSize, total };
  }

  async get(id: string): Promise<Order> {
    const order = await this.deps.orders.findById(id);
    if (!order) throw new DomainError('ORDER_NOT_FOUND', 'no such order');
    return order;
  }

  /**
   * Orders by any number a person may hold: our order number, WeChat Pay's transaction id, our refund number or
   * WeChat Pay's refund id. Exact matches only, each through a unique key or an index.
   */
  async search(q: string): Promise<{ orders: Order[]; matchedBy: 'outTradeNo' | 'transactionId' | 'outRefundNo' | 'refundId' | null }> {
    const byNo = await this.deps.orders.findByOutTradeNo(q);
    if (byNo) return { orders: [byNo], matchedBy: 'outTradeNo' };
    const byTx = await this.deps.orders.findByTransactionId(q);
    if (byTx) return { orders: [byTx], matchedBy: 'transactionId' };
    const byRefundNo = await this.deps.refundRecords.findByOutRefundNo(q);
    const refund = byRefundNo ?? (await this.deps.refundRecords.findByRefundId(q));
    const order = refund && (await this.deps.orders.findById(refund.orderId));
    if (order) return { orders: [order], matchedBy: byRefundNo ? 'outRefundNo' : 'refundId' };
    return { orders: [], matchedBy: null };
  }

  findByOutTradeNo(outTradeNo: string): Promise<Order | undefined> {
    return this.deps.orders.findByOutTradeNo(outTradeNo);
  }

  async view(order: Order): Promise<AdminOrderView> {
    const [payEvents, refundEvents, trail, refunds] = await Promise.all([
      this.deps.paymentEvents.forOrder(order.id, 200),
      this.deps.refundEvents.forOrder(order.id, 200),
      this.deps.audit.forOrder(order.id),
      this.deps.refunds.forOrders([order.id]),
    ]);
    // The event that paid the order is recorded on it, by the update that paid it; the others are in the logs.
    const paying: PaymentEvent[] =
      order.paymentEventId && order.paymentEventAt
        ? [{ eventId: order.paymentEventId, eventType: 'TRANSACTION.SUCCESS', receivedAt: order.paymentEventAt, outcome: 'applied' }]
        : [];
    const notifications: NotificationRecord[] = [...paying, ...payEvents, ...refundEvents]
      .map((e) => {
        const outcome = e.outcome === 'ignored' ? 'rejected' : e.outcome === 'processing' ? 'applied' : e.outcome;
        const n: NotificationRecord = { eventId: e.eventId, eventType: e.eventType, receivedAt: e.receivedAt.toISOString(), outcome };
        if (e.detail) n.detail = e.detail;
        return n;
      })
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    const base = toOrderView(order, (refunds.get(order.id) ?? []).map(toAdminRefundView));
    const view: AdminOrderView = { ...base, customerOpenid: order.customerOpenid, notifications, audit: trail };
    if (order.transactionId) view.transactionId = order.transactionId;
    if (order.flagged) view.flagged = order.flagged;
    if (order.till) view.till = toOrderTillView(order.till);
    return view;
  }

  close(order: Order, logger: Logger): Promise<{ order: Order; result: 'closed' | 'paid' }> {
    return closeOrderAtWechat({ orders: this.deps.orders, gateway: this.deps.gateway, logger }, order);
  }
}
