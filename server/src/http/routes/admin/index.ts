// The staff API under /api/admin. Login is open (and rate-limited); every other route needs a staff token and
// a role: viewer reads, cashier reads and charges at the till, admin does everything. Every action is audited.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Connection } from 'mongoose';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { AdminOrderList, AdminOrderView, NotificationRecord, Settlement, SettlementList } from '../../../../../shared/api';
import { DomainError } from '../../../domain/errors';
import { toOrderView } from '../../../domain/order-view';
import { providerError } from '../../../domain/order-service';
import { PosService } from '../../../domain/pos-charge';
import { reconcileDay } from '../../../domain/reconciliation-report';
import { RefundService, toAdminRefundView } from '../../../domain/refund-service';
import { StaffAccounts } from '../../../domain/staff-accounts';
import { AuditLog, type Actor, type AuditEntry } from '../../../domain/staff-audit';
import { closeOrderAtWechat } from '../../../domain/staff-close-order';
import type { Logger } from '../../../logger';
import { auditModel } from '../../../models/audit';
import { orderModel, type OrderDoc } from '../../../models/order';
import { paymentEventModel } from '../../../models/payment-event';
import { refundModel } from '../../../models/refund';
import { refundEventModel } from '../../../models/refund-event';
import { staffUserModel } from '../../../models/staff-user';
import type { PaymentGateway } from '../../../payment-gateway';
import { requireCapability, staffAuth, staffOf } from '../../middleware/staff-auth';
import { validate } from '../../validate';

export interface AdminRouteDeps {
  db: Connection;
  gateway: PaymentGateway;
  logger: Logger;
  jwtSecret: string;
  tokenTtlSeconds: number;
  currency: string;
  accounts: StaffAccounts;
  refunds: RefundService;
  pos: PosService;
  audit: AuditLog;
}

const objectId = z.string().regex(/^[0-9a-fA-F]{24}$/, 'must be an id');
const yyyymmdd = z.string().regex(/^\d{8}$/, 'must be a date yyyyMMdd').refine((s) => {
  const d = new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10).replace(/-/g, '') === s;
}, 'must be a real calendar date');
const isoDate = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date');
const requestId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 characters of [A-Za-z0-9_-]');

const loginSchema = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });
const listQuery = z.strictObject({
  status: z.enum(['PENDING', 'PAID', 'CLOSED', 'FAILED']).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  outTradeNo: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be an out_trade_no').optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
const refundSchema = z.strictObject({
  amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  reason: z.string().trim().min(1).max(80).optional(),
  requestId,
});
const posSchema = z.strictObject({
  authCode: z.string().regex(/^1[0-5]\d{16}$/, 'must be the 18-digit payment code (prefix 10-15)'),
  amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  description: z.string().trim().min(1).max(127),
  requestId,
});
const settlementQuery = z
  .strictObject({
    state: z.enum(['SETTLED', 'UNSETTLE']),
    from: yyyymmdd.optional(),
    to: yyyymmdd.optional(),
    page: z.coerce.number().int().min(1).max(1000).default(1),
  })
  .superRefine((q, ctx) => {
    if (q.state === 'SETTLED') {
      if (!q.from) ctx.addIssue({ code: 'custom', path: ['from'], message: 'required when state is SETTLED' });
      if (!q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'required when state is SETTLED' });
      if (q.from && q.to && q.to < q.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    }
  });
const emptyBody = z.strictObject({});

const SETTLEMENT_PAGE_SIZE = 10;

export function adminRoutes(deps: AdminRouteDeps): Router {
  const Order = orderModel(deps.db);
  const Refund = refundModel(deps.db);
  const RefundEvent = refundEventModel(deps.db);
  const PaymentEvent = paymentEventModel(deps.db);
  const StaffUser = staffUserModel(deps.db);

  const audit = (ctx: Context, e: Omit<AuditEntry, 'requestId' | 'ip'>, actor: Actor = staffOf(ctx)) =>
    deps.audit.record(actor, { ...e, requestId: ctx.state.requestId as string, ip: ctx.ip });

  const router = new Router({ prefix: '/api/admin' });

  router.post('/login', async (ctx) => {
    const { username, password } = validate(loginSchema, ctx.request.body);
    try {
      const answer = await deps.accounts.login(username, password, ctx.ip);
      await audit(ctx, { action: 'staff.login', target: `staff:${username}` }, { username, role: answer.role });
      ctx.body = answer;
    } catch (err) {
      if (err instanceof DomainError) {
        await audit(ctx, { action: 'staff.login_failed', target: `staff:${username}`, detail: { code: err.code } }, { username, role: 'anonymous' });
        if (err.code === 'TOO_MANY_REQUESTS') ctx.set('Retry-After', String(err.details?.retryAfterSeconds ?? 60));
      }
      throw err;
    }
  });

  // Everything below needs a staff token.
  const guarded = new Router();
  guarded.use(staffAuth(deps.jwtSecret, StaffUser));

  const loadOrder = async (id: string): Promise<OrderDoc> => {
    const order = await Order.findById(id).lean<OrderDoc>();
    if (!order) throw new DomainError('ORDER_NOT_FOUND', 'no such order');
    return order;
  };
  const orderView = async (o: OrderDoc) => {
    const refunds = (await deps.refunds.forOrders([String(o._id)])).get(String(o._id)) ?? [];
    return toOrderView(o, refunds.map(toAdminRefundView));
  };

  guarded.get('/orders', requireCapability('orders'), async (ctx) => {
    const q = validate(listQuery, ctx.query, 'query');
    const filter: Record<string, unknown> = {};
    if (q.status) filter.status = q.status;
    if (q.outTradeNo) filter.outTradeNo = q.outTradeNo;
    if (q.from || q.to) filter.createdAt = { ...(q.from ? { $gte: new Date(q.from) } : {}), ...(q.to ? { $lt: new Date(q.to) } : {}) };
    const [items, total] = await Promise.all([
      Order.find(filter).sort({ createdAt: -1, _id: -1 }).skip((q.page - 1) * q.pageSize).limit(q.pageSize).lean<OrderDoc[]>(),
      Order.countDocuments(filter),
    ]);
    const refunds = await deps.refunds.forOrders(items.map((o) => String(o._id)));
    ctx.body = {
      items: items.map((o) => toOrderView(o, (refunds.get(String(o._id)) ?? []).map(toAdminRefundView))),
      page: q.page,
      pageSize: q.pageSize,
      total,
    } satisfies AdminOrderList;
  });

  const adminView = async (order: OrderDoc): Promise<AdminOrderView> => {
    const oid = order._id;
    const [payEvents, refundEvents, trail] = await Promise.all([
      PaymentEvent.find({ orderId: oid }).sort({ receivedAt: 1 }).limit(200).lean(),
      RefundEvent.find({ orderId: oid }).sort({ receivedAt: 1 }).limit(200).lean(),
      deps.audit.forOrder(oid),
    ]);
    const notifications: NotificationRecord[] = [...payEvents, ...refundEvents]
      .map((e) => {
        const outcome = e.outcome === 'ignored' ? 'rejected' : e.outcome === 'processing' ? 'applied' : e.outcome;
        const n: NotificationRecord = { eventId: e.eventId, eventType: e.eventType, receivedAt: e.receivedAt.toISOString(), outcome };
        if (e.detail) n.detail = e.detail;
        return n;
      })
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    const view: AdminOrderView = { ...(await orderView(order)), customerOpenid: order.customerOpenid, notifications, audit: trail };
    if (order.transactionId) view.transactionId = order.transactionId;
    if (order.flagged) view.flagged = order.flagged;
    return view;
  };

  guarded.get('/orders/:id', requireCapability('orders'), async (ctx) => {
    const { id } = validate(z.strictObject({ id: objectId }), ctx.params, 'path');
    ctx.body = await adminView(await loadOrder(id));
  });

  guarded.post('/orders/:id/refunds', requireCapability('refund'), async (ctx) => {
    const { id } = validate(z.strictObject({ id: objectId }), ctx.params, 'path');
    const input = validate(refundSchema, ctx.request.body);
    const staff = staffOf(ctx);
    let result;
    try {
      result = await deps.refunds.create(id.toLowerCase(), input, staff.username);
    } catch (err) {
      if (err instanceof DomainError && Types.ObjectId.isValid(id)) {
        await audit(ctx, { action: 'refund.refused', target: `order:${id}`, orderId: id, detail: { amount: input.amount, requestId: input.requestId, code: err.code } });
      }
      throw err;
    }
    const { refund, created } = result;
    if (created) {
      await audit(ctx, {
        action: 'refund.create',
        target: `refund:${refund._id}`,
        orderId: refund.orderId,
        detail: { amount: refund.amount, outRefundNo: refund.outRefundNo, requestId: refund.requestId, status: refund.status, ...(refund.reason ? { reason: refund.reason } : {}) },
      });
    }
    ctx.status = created ? 201 : 200;
    ctx.body = toAdminRefundView(refund);
  });

  guarded.get('/refunds/:id', requireCapability('orders'), async (ctx) => {
    const { id } = validate(z.strictObject({ id: objectId }), ctx.params, 'path');
    ctx.body = toAdminRefundView(await deps.refunds.get(id.toLowerCase()));
  });

  guarded.post('/orders/:id/close', requireCapability('close'), async (ctx) => {
    const { id } = validate(z.strictObject({ id: objectId }), ctx.params, 'path');
    if (ctx.request.body !== undefined) validate(emptyBody, ctx.request.body);
    const order = await loadOrder(id);
    const { order: after, result } = await closeOrderAtWechat({ Order, gateway: deps.gateway, logger: ctx.state.log as Logger }, order);
    await audit(ctx, { action: 'order.close', target: `order:${id}`, orderId: id, detail: { outTradeNo: order.outTradeNo, result, status: after.status } });
    ctx.body = await adminView(after);
  });

  guarded.post('/pos/charge', requireCapability('pos'), async (ctx) => {
    const input = validate(posSchema, ctx.request.body);
    const staff = staffOf(ctx);
    const { result, created } = await deps.pos.charge(input, staff.username);
    const order = await Order.findOne({ outTradeNo: result.outTradeNo }).lean<OrderDoc>();
    await audit(ctx, {
      action: created ? 'pos.charge' : 'pos.charge_repeat',
      target: `order:${order?._id ?? result.outTradeNo}`,
      ...(order ? { orderId: order._id } : {}),
      detail: { amount: input.amount, requestId: input.requestId, state: result.state, outTradeNo: result.outTradeNo },
    });
    ctx.status = created ? 201 : 200;
    ctx.body = result;
  });

  guarded.get('/statements/:date', requireCapability('statements'), async (ctx) => {
    const { date } = validate(z.strictObject({ date: yyyymmdd }), ctx.params, 'path');
    if (Object.keys(ctx.query).length) validate(z.strictObject({}), ctx.query, 'query');
    const report = await reconcileDay({ Order, Refund, gateway: deps.gateway, currency: deps.currency }, date);
    await audit(ctx, { action: 'statement.reconcile', target: `statement:${date}`, detail: { rows: report.rows, differences: report.differences.length } });
    ctx.body = report;
  });

  guarded.get('/settlements', requireCapability('settlements'), async (ctx) => {
    const q = validate(settlementQuery, ctx.query, 'query');
    let list;
    try {
      list = await deps.gateway.settlements({
        settle_state: q.state,
        ...(q.state === 'SETTLED' ? { settle_start_date: q.from, settle_end_date: q.to } : {}),
        limit: SETTLEMENT_PAGE_SIZE,
        offset: (q.page - 1) * SETTLEMENT_PAGE_SIZE,
      });
    } catch (err) {
      throw providerError(err, 'could not query settlements at WeChat Pay');
    }
    await audit(ctx, { action: 'settlements.query', target: `settlements:${q.state}`, detail: { ...q } });
    const items: Settlement[] = list.data.map((s) => {
      const out: Settlement = {
        batchId: s.batch_id,
        settled: q.state === 'SETTLED',
        amount: { currency: s.amount.currency, settled: s.amount.settled, unsettle: s.amount.unsettle },
      };
      if (s.settlement_date) out.settlementDate = s.settlement_date;
      if (s.trade_start_date) out.tradeStartDate = s.trade_start_date;
      if (s.trade_end_date) out.tradeEndDate = s.trade_end_date;
      for (const k of ['pay', 'refund', 'net', 'fee'] as const) if (s.amount[k] !== undefined) out.amount[k] = s.amount[k];
      return out;
    });
    ctx.body = { items, total: list.total_count ?? items.length } satisfies SettlementList;
  });

  router.use(guarded.routes(), guarded.allowedMethods());
  // Any other /api/admin path: staff only, then 404.
  router.all('/{*rest}', staffAuth(deps.jwtSecret, StaffUser), (ctx) => {
    throw new DomainError('NOT_FOUND', `no route ${ctx.method} ${ctx.path}`);
  });
  return router;
}
