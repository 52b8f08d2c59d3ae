// Customer orders: priced from the catalog, idempotent per (customer, clientRequestId), prepaid at WeChat with
// time_expire = the order's expiry, the prepay id reused while valid and a fresh paySign on every attempt.
import type { PaymentParams } from '../../../shared/api';
import { truncateText } from '../../../shared/text-limits';
import type { Logger } from '../logger';
import { DomainError } from './errors';
import type { ProductCatalog } from './ports/catalog';
import type { Order, OrderItem, OrderRepository } from './ports/orders';
import { isWechatPayError, type PaymentGateway, type Transaction } from './ports/payment-gateway';
import { applyTransaction, type ApplyResult } from './order-state';
import { newOutTradeNo } from './order-view';

/** WeChat keeps a prepay_id valid for 2 hours; we stop reusing it a little earlier. */
const PREPAY_VALIDITY_MS = 2 * 3600_000;
const PREPAY_MARGIN_MS = 60_000;

export interface OrderServiceOptions {
  orders: OrderRepository;
  catalog: ProductCatalog;
  gateway: PaymentGateway;
  currency: string;
  orderTtlSeconds: number;
  /** First job look at a pending order (seconds after creation). */
  firstSyncSeconds: number;
  syncStaleSeconds: number;
  logger: Logger;
  now?: () => Date;
}

export interface CreateOrderInput {
  items: { sku: string; quantity: number }[];
  clientRequestId: string;
}

export class OrderService {
  private readonly now: () => Date;
  constructor(private readonly o: OrderServiceOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /** Returns the order and whether it was created now (false: the same clientRequestId was seen before). */
  async create(openid: string, input: CreateOrderInput): Promise<{ order: Order; created: boolean }> {
    const { orders } = this.o;
    const existing = await orders.findByRequest(openid, input.clientRequestId);
    if (existing) return { order: this.sameRequest(existing, input), created: false };

    const items = await this.price(input.items);
    const total = items.reduce((s, i) => s + i.amount, 0);
    if (!Number.isSafeInteger(total) || total <= 0) throw new DomainError('VALIDATION_FAILED', 'order total is out of range');
    const now = this.now();
    const names = items.map((i) => i.name.en).join(', ');
    const description = truncateText(names, 'orderDescription');
    const created = await orders.insert(
      {
        outTradeNo: newOutTradeNo('M', now),
        customerOpenid: openid,
        clientRequestId: input.clientRequestId,
        items,
        description,
        total,
        currency: this.o.currency,
        expiresAt: new Date(now.getTime() + this.o.orderTtlSeconds * 1000),
        nextSyncAt: new Date(now.getTime() + this.o.firstSyncSeconds * 1000),
        source: 'miniprogram',
      },
      now,
    );
    if (created !== 'duplicate') return { order: created, created: true };
    // A concurrent request with the same clientRequestId won the insert.
    const winner = await orders.findByRequest(openid, input.clientRequestId);
    if (!winner) throw new Error('order insert reported a duplicate that cannot be found');
    return { order: this.sameRequest(winner, input), created: false };
  }

  private sameRequest(order: Order, input: CreateOrderInput): Order {
    const key = (xs: { sku: string; quantity: number }[]) =>
      xs
        .map((x) => `${x.sku}x${x.quantity}`)
        .sort()
        .join(',');
    if (key(order.items) !== key(input.items)) {
      throw new DomainError('IDEMPOTENCY_MISMATCH', 'this clientRequestId was used for a different order');
    }
    return order;
  }

  private async price(lines: { sku: string; quantity: number }[]): Promise<OrderItem[]> {
    const merged = new Map<string, number>();
    for (const l of lines) merged.set(l.sku, (merged.get(l.sku) ?? 0) + l.quantity);
    if (merged.size !== lines.length) throw new DomainError('VALIDATION_FAILED', 'each sku may appear once', { items: 'duplicate sku' });
    const products = await this.o.catalog.findActive([...merged.keys()]);
    const bySku = new Map(products.map((p) => [p.sku, p]));
    return lines.map((l) => {
      const p = bySku.get(l.sku);
      if (!p) throw new DomainError('PRODUCT_NOT_FOUND', `no product with sku ${l.sku}`, { sku: l.sku });
      if (p.currency !== this.o.currency)
        throw new DomainError('PRODUCT_NOT_FOUND', `product ${l.sku} is not sold in ${this.o.currency}`, { sku: l.sku });
      return {
        sku: p.sku,
        name: { 'zh-HK': p.name['zh-HK'], en: p.name.en },
        unitPrice: p.price,
        quantity: l.quantity,
        amount: p.price * l.quantity,
      };
    });
  }

  /** wx.requestPayment parameters for a payable order: reuses a valid prepay_id, else asks WeChat for one. */
  async payment(order: Order, request: { clientIp?: string } = {}): Promise<{ order: Order; payment: PaymentParams }> {
    const now = this.now();
    if (order.status !== 'PENDING') throw new DomainError('ORDER_NOT_PAYABLE', `the order is ${order.status}`);
    if (order.expiresAt.getTime() <= now.getTime() + 5000) throw new DomainError('ORDER_NOT_PAYABLE', 'the order has expired');
    let current = order;
    if (!order.prepayId || !order.prepayExpiresAt || order.prepayExpiresAt.getTime() - PREPAY_MARGIN_MS <= now.getTime()) {
      let prepayId: string;
      try {
        ({ prepayId } = await this.o.gateway.prepay({
          outTradeNo: order.outTradeNo,
          description: order.description,
          total: order.total,
          currency: order.currency,
          openid: order.customerOpenid,
          timeExpire: order.expiresAt,
          // The seed's optional fields: the items as goods_detail, the customer's address, our order id.
          goods: order.items.map((i) => ({ goodsId: i.sku, goodsName: i.name.en, quantity: i.quantity, price: i.unitPrice })),
          ...(request.clientIp ? { payerClientIp: request.clientIp } : {}),
          attach: `order:${order.id}`,
        }));
      } catch (err) {
        throw providerError(err, 'could not create the payment at WeChat Pay');
      }
      const prepayExpiresAt = new Date(Math.min(now.getTime() + PREPAY_VALIDITY_MS, order.expiresAt.getTime()));
      const updated = await this.o.orders.setPrepay(order.id, prepayId, prepayExpiresAt);
      if (!updated) throw new DomainError('ORDER_NOT_PAYABLE', 'the order changed meanwhile');
      current = updated;
    }
    try {
      const payment = await this.o.gateway.paymentParams(current.prepayId!);
      return { order: current, payment };
    } catch (err) {
      throw providerError(err, 'could not sign the payment');
    }
  }

  async get(openid: string, id: string): Promise<Order> {
    // Filtering by the owner in the query itself: another customer's order is simply not found.
    const order = await this.o.orders.findForCustomer(id, openid);
    if (!order) throw new DomainError('ORDER_NOT_FOUND', 'no such order');
    return order;
  }

  list(openid: string, page: number, pageSize: number): Promise<{ items: Order[]; total: number }> {
    return this.o.orders.listForCustomer(openid, page, pageSize);
  }

  /** A pending order not looked at recently is asked about at WeChat; failures keep the local view. */
  async syncIfStale(order: Order): Promise<Order> {
    if (order.status !== 'PENDING' || !order.prepayId) return order;
    const now = this.now();
    if (now.getTime() - order.updatedAt.getTime() < this.o.syncStaleSeconds * 1000) return order;
    try {
      await this.sync(order);
    } catch (err) {
      this.o.logger.warn({ err: describeError(err), outTradeNo: order.outTradeNo }, 'order sync failed; answering the local state');
      return order;
    }
    return (await this.o.orders.findById(order.id)) ?? order;
  }

  /** Queries WeChat and applies what it says. Also marks the order as looked at (updatedAt). */
  async sync(order: Order): Promise<ApplyResult | 'unknown_at_wechat'> {
    const tx = await this.o.gateway.queryByOutTradeNo(order.outTradeNo);
    if (!tx) {
      await this.o.orders.touch(order.id, this.now());
      return 'unknown_at_wechat';
    }
    const r = await this.applyFromWechat(order, tx);
    await this.o.orders.touch(order.id, this.now());
    return r;
  }

  async applyFromWechat(order: Order, tx: Transaction): Promise<ApplyResult> {
    const r = await applyTransaction(this.o.orders, order, tx, this.o.gateway.identity, this.now());
    if (r.result === 'flagged') this.o.logger.error({ outTradeNo: order.outTradeNo, reason: r.reason }, 'order flagged for review');
    if (r.result === 'rejected')
      this.o.logger.error({ outTradeNo: order.outTradeNo, reason: r.reason }, 'WeChat answer does not match the order');
    if (r.result === 'changed') this.o.logger.info({ outTradeNo: order.outTradeNo, status: r.status, via: 'query' }, 'order state changed');
    return r;
  }
}

export function describeError(err: unknown): Record<string, unknown> {
  if (isWechatPayError(err)) return { kind: err.kind, code: err.code, status: err.status, message: err.message, requestId: err.requestId };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** WeChat failures become 502/503 answers the client may retry; never the provider's internals. */
export function providerError(err: unknown, message: string): DomainError {
  if (err instanceof DomainError) return err;
  if (isWechatPayError(err)) {
    const unavailable = err.kind === 'timeout' || err.kind === 'network' || (err.status ?? 0) >= 500 || err.status === 429;
    return new DomainError(unavailable ? 'PAYMENT_PROVIDER_UNAVAILABLE' : 'PAYMENT_PROVIDER_ERROR', `${message} (${err.code})`);
  }
  return new DomainError('PAYMENT_PROVIDER_UNAVAILABLE', message);
}
