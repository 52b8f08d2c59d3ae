// Customer orders: priced from the catalog, idempotent per (customer, clientRequestId), prepaid at WeChat with
// time_expire = the order's expiry, the prepay id reused while valid and a fresh paySign on every attempt.
import type { PaymentParams } from '../../../shared/api';
import { truncateText } from '../../../shared/text-limits';
import type { Logger } from '../logger';
import { DomainError } from './errors';
import type { ProductCatalog } from './ports/catalog';
import type { Order, OrderItem, OrderRepository } from './ports/orders';
import { isWechatPayError, type PaymentGateway, type PrepayInput, type Transaction } from './ports/payment-gateway';
import { applyTransaction, type ApplyResult } from './order-state';
import { newOutTradeNo } from './order-view';
import { CachedCatalog } from './catalog-service';
import type { OrderSettlements } from './order-settlements';

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
  /** Products priced from memory for this long after they were read (0: read the catalog on every order). */
  catalogCacheMs?: number;
  /** Orders settled on this instance, for customers waiting for the outcome. */
  settlements?: OrderSettlements;
  /** How long a customer's question after the payment sheet waits for the notification (ms). */
  settleWaitMs?: number;
  /** Of that, how long the question about an order created here waits before the order is read (default a third). */
  settleFirstWaitMs?: number;
}

export interface CreateOrderInput {
  items: { sku: string; quantity: number }[];
  clientRequestId: string;
}

export class OrderService {
  private readonly now: () => Date;
  private readonly catalogCache: ProductCatalog;
  constructor(private readonly deps: OrderServiceOptions) {
    this.now = deps.now ?? (() => new Date());
    this.catalogCache = deps.catalogCacheMs ? new CachedCatalog(deps.catalog, deps.catalogCacheMs) : deps.catalog;
  }

  /**
   * Returns the order and whether it was created now (false: the same clientRequestId was seen before). The
   * order is prepaid at WeChat BEFORE its one insert (out_trade_no and expiry are chosen first), so a new order
   * costs one database write and comes back with its prepay id. A repeated clientRequestId is found by the
   * unique key when the insert fails, not by a read before every insert; the prepay made for the losing
   * out_trade_no is never stored and simply expires at WeChat (time_expire = the order's expiry).
   */
  async create(openid: string, input: CreateOrderInput, request: { clientIp?: string } = {}): Promise<{ order: Order; created: boolean }> {
    const { orders } = this.deps;
    let items: OrderItem[];
    try {
      items = await this.price(input.items);
    } catch (err) {
      // A product withdrawn since: a retry of an order already made still answers that order.
      const existing = await orders.findByRequest(openid, input.clientRequestId);
      if (existing) return { order: this.sameRequest(existing, input), created: false };
      throw err;
    }
    const total = items.reduce((s, i) => s + i.amount, 0);
    if (!Number.isSafeInteger(total) || total <= 0) throw new DomainError('VALIDATION_FAILED', 'order total is out of range');
    const now = this.now();
    const names = items.map((i) => i.name.en).join(', ');
    const description = truncateText(names, 'orderDescription');
    const outTradeNo = newOutTradeNo('M', now);
    const id = orders.newId();
    const expiresAt = new Date(now.getTime() + this.deps.orderTtlSeconds * 1000);
    let prepayId: string;
    try {
      ({ prepayId } = await this.deps.gateway.prepay({
        outTradeNo,
        description,
        total,
        currency: this.deps.currency,
        openid,
        timeExpire: expiresAt,
        ...prepayExtras(id, items, request.clientIp),
      }));
    } catch (err) {
      // WeChat unavailable: a retry of an order already made (and prepaid) can still be answered.
      const existing = await orders.findByRequest(openid, input.clientRequestId);
      if (existing) return { order: this.sameRequest(existing, input), created: false };
      throw providerError(err, 'could not create the payment at WeChat Pay');
    }
    const created = await orders.insert(
      {
        id,
        outTradeNo,
        customerOpenid: openid,
        clientRequestId: input.clientRequestId,
        items,
        description,
        total,
        currency: this.deps.currency,
        expiresAt,
        nextSyncAt: new Date(now.getTime() + this.deps.firstSyncSeconds * 1000),
        source: 'miniprogram',
        prepayId,
        prepayExpiresAt: new Date(Math.min(now.getTime() + PREPAY_VALIDITY_MS, expiresAt.getTime())),
      },
      now,
    );
    if (created !== 'duplicate') {
      this.deps.settlements?.createdHere(created);
      return { order: created, created: true };
    }
    // The same clientRequestId was used before (or concurrently): that order answers.
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
    const products = await this.catalogCache.findActive([...merged.keys()]);
    const bySku = new Map(products.map((p) => [p.sku, p]));
    return lines.map((l) => {
      const p = bySku.get(l.sku);
      if (!p) throw new DomainError('PRODUCT_NOT_FOUND', `no product with sku ${l.sku}`, { sku: l.sku });
      if (p.currency !== this.deps.currency)
        throw new DomainError('PRODUCT_NOT_FOUND', `product ${l.sku} is not sold in ${this.deps.currency}`, { sku: l.sku });
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
        ({ prepayId } = await this.deps.gateway.prepay({
          outTradeNo: order.outTradeNo,
          description: order.description,
          total: order.total,
          currency: order.currency,
          openid: order.customerOpenid,
          timeExpire: order.expiresAt,
          ...prepayExtras(order.id, order.items, request.clientIp),
        }));
      } catch (err) {
        throw providerError(err, 'could not create the payment at WeChat Pay');
      }
      const prepayExpiresAt = new Date(Math.min(now.getTime() + PREPAY_VALIDITY_MS, order.expiresAt.getTime()));
      const updated = await this.deps.orders.setPrepay(order.id, prepayId, prepayExpiresAt);
      if (!updated) throw new DomainError('ORDER_NOT_PAYABLE', 'the order changed meanwhile');
      current = updated;
    }
    try {
      const payment = await this.deps.gateway.paymentParams(current.prepayId!);
      return { order: current, payment };
    } catch (err) {
      throw providerError(err, 'could not sign the payment');
    }
  }

  async get(openid: string, id: string): Promise<Order> {
    // Filtering by the owner in the query itself: another customer's order is simply not found.
    const order = await this.deps.orders.findForCustomer(id, openid);
    if (!order) throw new DomainError('ORDER_NOT_FOUND', 'no such order');
    return order;
  }

  list(openid: string, page: number, pageSize: number): Promise<{ items: Order[]; total: number }> {
    return this.deps.orders.listForCustomer(openid, page, pageSize);
  }

  /** A pending order not looked at recently is asked about at WeChat; failures keep the local view. */
  async syncIfStale(order: Order): Promise<Order> {
    if (order.status !== 'PENDING' || !order.prepayId) return order;
    const now = this.now();
    if (now.getTime() - order.updatedAt.getTime() < this.deps.syncStaleSeconds * 1000) return order;
    try {
      await this.sync(order);
    } catch (err) {
      this.deps.logger.warn({ err: describeError(err), outTradeNo: order.outTradeNo }, 'order sync failed; answering the local state');
      return order;
    }
    return (await this.deps.orders.findById(order.id)) ?? order;
  }

  /**
   * The order once it is settled, for the question the Mini Program asks after the payment sheet: waits a
   * bounded time for the notification (woken when this instance applies it), then re-reads (another instance
   * may have applied it) and, still pending, asks WeChat Pay itself. Too many waiting already: no wait, the
   * answer is that of a plain read. `beforeWait` runs when the wait begins (the caller's admission slot).
   *
   * An order this instance created (and has not seen settle) needs no read to start waiting: its owner is known
   * from memory. It waits the first part of the time (`settleFirstWaitMs`) before the read, since a notification
   * another instance applied does not wake this one; the usual case, the notification arriving here within a
   * second of the sheet, then costs no database command at all.
   */
  async awaitSettled(openid: string, id: string, beforeWait?: () => void): Promise<Order> {
    const settlements = this.deps.settlements;
    const recent = settlements?.recent(id);
    if (recent && recent.customerOpenid === openid) return recent;
    let waitMs = this.deps.settleWaitMs ?? 3000;
    const mine = settlements?.knownById(id);
    if (mine && mine.customerOpenid === openid && mine.status === 'PENDING' && mine.prepayId) {
      const firstMs = Math.min(this.deps.settleFirstWaitMs ?? Math.round(waitMs / 3), waitMs);
      const first = settlements!.wait(id, firstMs);
      if (first) {
        beforeWait?.();
        const settled = await first.settled;
        if (settled) return settled;
        waitMs -= firstMs;
      }
    }
    // Registered before the read, so a notification applied in between is not missed.
    const wait = settlements?.wait(id, waitMs);
    const order = await this.deps.orders.findForCustomer(id, openid).catch((err: unknown) => {
      wait?.cancel();
      throw err;
    });
    if (!order) {
      wait?.cancel();
      throw new DomainError('ORDER_NOT_FOUND', 'no such order');
    }
    if (order.status !== 'PENDING' || !order.prepayId || !wait) {
      wait?.cancel();
      return this.syncIfStale(order);
    }
    beforeWait?.();
    const settled = await wait.settled;
    if (settled) return settled;
    const again = (await this.deps.orders.findForCustomer(id, openid)) ?? order;
    if (again.status !== 'PENDING') return again;
    try {
      await this.sync(again);
    } catch (err) {
      this.deps.logger.warn({ err: describeError(err), outTradeNo: again.outTradeNo }, 'order sync failed; answering the local state');
      return again;
    }
    return (await this.deps.orders.findById(again.id)) ?? again;
  }

  /** Queries WeChat and applies what it says. Also marks the order as looked at (updatedAt). */
  async sync(order: Order): Promise<ApplyResult | 'unknown_at_wechat'> {
    const tx = await this.deps.gateway.queryByOutTradeNo(order.outTradeNo);
    if (!tx) {
      await this.deps.orders.touch(order.id, this.now());
      return 'unknown_at_wechat';
    }
    const r = await this.applyFromWechat(order, tx);
    await this.deps.orders.touch(order.id, this.now());
    return r;
  }

  async applyFromWechat(order: Order, tx: Transaction): Promise<ApplyResult> {
    const r = await applyTransaction(this.deps.orders, order, tx, this.deps.gateway.identity, this.now(), (after) =>
      this.deps.settlements?.settled(after),
    );
    if (r.result === 'flagged') this.deps.logger.error({ outTradeNo: order.outTradeNo, reason: r.reason }, 'order flagged for review');
    if (r.result === 'rejected')
      this.deps.logger.error({ outTradeNo: order.outTradeNo, reason: r.reason }, 'WeChat answer does not match the order');
    if (r.result === 'changed')
      this.deps.logger.info({ outTradeNo: order.outTradeNo, status: r.status, via: 'query' }, 'order state changed');
    return r;
  }
}

/** The seed's optional prepay fields: the items as goods_detail, the customer's address, our order id as attach. */
function prepayExtras(
  orderId: string,
  items: OrderItem[],
  clientIp: string | undefined,
): Pick<PrepayInput, 'goods' | 'payerClientIp' | 'attach'> {
  return {
    goods: items.map((i) => ({ goodsId: i.sku, goodsName: i.name.en, quantity: i.quantity, price: i.unitPrice })),
    ...(clientIp ? { payerClientIp: clientIp } : {}),
    attach: `order:${orderId}`,
  };
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
