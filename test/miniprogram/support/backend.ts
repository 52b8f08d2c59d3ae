// An in-memory stand-in for the backend's customer API, answering at the `wx.request` edge in page
// tests. It follows shared/api.ts; the end-to-end test runs the same pages against the real backend.
import type { ClientConfig, OrderView, PaymentParams, Product } from '../../../shared/api';
import { API_BASE_URL } from './generated';
import type { Network, WxAnswer, WxRequest } from './wx';

export const PRODUCTS: Product[] = [
  {
    sku: 'TEA',
    name: { 'zh-HK': '凍檸茶', en: 'Iced lemon tea' },
    price: 2800,
    currency: 'HKD',
    imageUrl: '/images/products/tea.png',
    active: true,
  },
  {
    sku: 'TART',
    name: { 'zh-HK': '蛋撻', en: 'Egg tart' },
    description: { 'zh-HK': '新鮮出爐', en: 'Fresh from the oven' },
    price: 1250,
    currency: 'HKD',
    active: true,
  },
  { sku: 'OLD', name: { 'zh-HK': '舊貨', en: 'Retired item' }, price: 100, currency: 'HKD', active: false },
];

export interface FakeBackendOptions {
  sandbox?: boolean;
  /** Answers that override the next matching requests ("METHOD /path" without query). */
  expiresIn?: number;
}

export class FakeBackend {
  config: ClientConfig;
  products: Product[] = PRODUCTS.map((p) => ({ ...p }));
  orders = new Map<string, OrderView & { owner: string }>();
  validTokens = new Set<string>();
  /** Users that asked POST /api/sandbox/login-code. */
  sandboxLogins: string[] = [];
  /** One-shot overrides: key "GET /api/orders/o1" -> queue of answers. */
  private overrides = new Map<string, WxAnswer[]>();
  expiresIn: number;
  private seq = 0;

  constructor(options: FakeBackendOptions = {}) {
    this.config = {
      currency: 'HKD',
      sandbox: options.sandbox ?? false,
      merchantName: 'Demo Shop',
      maxQuantityPerItem: 5,
      maxItemsPerOrder: 10,
    };
    this.expiresIn = options.expiresIn ?? 7200;
  }

  /** The next `times` requests to `key` ("POST /api/orders") get `answer`. */
  override(key: string, answer: WxAnswer, times = 1): void {
    const q = this.overrides.get(key) ?? [];
    for (let i = 0; i < times; i++) q.push(answer);
    this.overrides.set(key, q);
  }

  addOrder(partial: Partial<OrderView> & { id: string }, owner = 'openid-1'): OrderView {
    const order: OrderView & { owner: string } = {
      outTradeNo: `T${partial.id}`,
      status: 'PENDING',
      items: [{ sku: 'TEA', name: PRODUCTS[0]!.name, unitPrice: 2800, quantity: 1, amount: 2800 }],
      total: 2800,
      currency: 'HKD',
      refundedAmount: 0,
      refundableAmount: 0,
      createdAt: '2026-11-23T02:00:00.000Z',
      expiresAt: new Date(Date.now() + 2 * 3600_000).toISOString(), // still payable
      refunds: [],
      ...partial,
      owner,
    };
    this.orders.set(order.id, order);
    return order;
  }

  payment(orderId: string): PaymentParams {
    return {
      timeStamp: '1763870000',
      nonceStr: `n${orderId}`,
      package: `prepay_id=wx${orderId}`,
      signType: 'RSA',
      paySign: `sig-${orderId}`,
    };
  }

  network: Network = (req) => this.handle(req);

  private view(o: OrderView & { owner: string }): OrderView {
    const { owner: _owner, ...view } = o;
    return JSON.parse(JSON.stringify(view)) as OrderView;
  }

  handle(req: WxRequest): WxAnswer {
    if (!req.url.startsWith(API_BASE_URL)) return { fail: 'request:fail url not in domain list' };
    const url = new URL(req.url);
    const key = `${req.method} ${url.pathname}`;
    const queued = this.overrides.get(key);
    if (queued?.length) return queued.shift()!;
    const err = (status: number, code: string) => ({ status, body: { code, message: code } });
    if (key === 'GET /api/config') return { status: 200, body: this.config };
    if (key === 'GET /api/products') return { status: 200, body: { items: this.products } };
    if (key === 'POST /api/auth/login') {
      const code = (req.data as { code?: string } | undefined)?.code;
      if (!code) return err(400, 'VALIDATION_FAILED');
      const token = `tok-${++this.seq}`;
      this.validTokens.add(token);
      return { status: 200, body: { token, expiresIn: this.expiresIn } };
    }
    if (key === 'POST /api/sandbox/login-code') {
      if (!this.config.sandbox) return err(404, 'NOT_FOUND');
      const user = (req.data as { user?: string } | undefined)?.user ?? '';
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(user)) return err(400, 'VALIDATION_FAILED');
      this.sandboxLogins.push(user);
      return { status: 200, body: { code: `sandbox-code-${user}` } };
    }
    const auth = /^Bearer (.+)$/.exec(req.header.Authorization ?? '');
    if (!auth || !this.validTokens.has(auth[1]!)) return err(401, 'UNAUTHENTICATED');
    if (key === 'POST /api/orders') {
      const body = req.data as { items: { sku: string; quantity: number }[]; clientRequestId: string };
      const existing = [...this.orders.values()].find((o) => o.outTradeNo === `R${body.clientRequestId}`);
      if (existing) return { status: 200, body: { order: this.view(existing), payment: this.payment(existing.id) } };
      const items = [];
      for (const line of body.items) {
        const p = this.products.find((x) => x.sku === line.sku && x.active);
        if (!p) return err(404, 'PRODUCT_NOT_FOUND');
        items.push({ sku: p.sku, name: p.name, unitPrice: p.price, quantity: line.quantity, amount: p.price * line.quantity });
      }
      const order = this.addOrder({
        id: `o${++this.seq}`,
        outTradeNo: `R${body.clientRequestId}`,
        items,
        total: items.reduce((n, i) => n + i.amount, 0),
      });
      return { status: 201, body: { order: this.view(order as OrderView & { owner: string }), payment: this.payment(order.id) } };
    }
    if (key === 'GET /api/orders') {
      const page = Number(url.searchParams.get('page') ?? 1);
      const pageSize = Number(url.searchParams.get('pageSize') ?? 20);
      const all = [...this.orders.values()].reverse();
      return {
        status: 200,
        body: { items: all.slice((page - 1) * pageSize, page * pageSize).map((o) => this.view(o)), page, pageSize, total: all.length },
      };
    }
    const one = /^\/api\/orders\/([^/]+)(\/pay)?$/.exec(url.pathname);
    if (one) {
      const order = this.orders.get(decodeURIComponent(one[1]!));
      if (!order) return err(404, 'ORDER_NOT_FOUND');
      if (req.method === 'GET' && !one[2]) return { status: 200, body: this.view(order) };
      if (req.method === 'POST' && one[2]) {
        if (order.status !== 'PENDING') return err(409, 'ORDER_NOT_PAYABLE');
        return { status: 200, body: { order: this.view(order), payment: this.payment(order.id) } };
      }
    }
    if (key === 'POST /api/sandbox/cashier') {
      if (!this.config.sandbox) return err(404, 'NOT_FOUND');
      const body = req.data as { orderId: string; action: 'pay' | 'cancel' | 'fail' };
      const order = this.orders.get(body.orderId);
      if (!order) return err(404, 'ORDER_NOT_FOUND');
      if (body.action === 'pay') {
        order.status = 'PAID';
        order.paidAt = '2026-11-23T02:05:00.000Z';
        order.refundableAmount = order.total;
        return { status: 200, body: { result: 'ok' } };
      }
      if (body.action === 'fail') {
        order.status = 'FAILED';
        return { status: 200, body: { result: 'fail', message: 'simulated failure' } };
      }
      return { status: 200, body: { result: 'cancel' } };
    }
    return err(404, 'NOT_FOUND');
  }
}
