// The staff API under /api/admin. Login is open (and rate-limited); every other route needs a staff token and
// a role: viewer reads, cashier reads and charges at the till, admin does everything. Every action is audited.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type {
  AdminOrderList,
  RefundSyncResult,
  ReconciliationDayDetail,
  ReconciliationDayList,
  SettlementList,
  StatementReport,
} from '../../../../../shared/api';
import { differencesCsv, type DailyReconciliation } from '../../../domain/daily-reconciliation';
import { DomainError } from '../../../domain/errors';
import { providerError } from '../../../domain/order-service';
import { MAX_POS_ITEMS, type PosService } from '../../../domain/pos-charge';
import type { RefundDiscovery } from '../../../domain/refund-discovery';
import { toAdminRefundView, type RefundService } from '../../../domain/refund-service';
import type { SettlementQueryInput } from '../../../domain/settlements';
import { USERNAME_PATTERN } from '../../../domain/ports/staff';
import type { StaffAccounts } from '../../../domain/staff-accounts';
import type { Actor, AuditEntry, AuditLog } from '../../../domain/staff-audit';
import type { StaffOrders } from '../../../domain/staff-orders';
import type { TillService } from '../../../domain/tills';
import type { Logger } from '../../../logger';
import { requireCapability, requireRole, staffOf } from '../../middleware/staff-auth';
import { limitedText } from '../../text-limits';
import { validate } from '../../validate';
import { tillRoutes } from './tills';

export interface AdminRouteDeps {
  accounts: StaffAccounts;
  orders: StaffOrders;
  refunds: RefundService;
  /** WeChat's all-refunds query of an order (refunds made in the merchant platform). */
  discovery: RefundDiscovery;
  pos: PosService;
  tills: TillService;
  audit: AuditLog;
  /** A day's statement against our books; `store` limits both sides to that store's orders. */
  reconcile(date: string, store?: string): Promise<StatementReport>;
  /** The daily reconciliation job's stored days and differences. */
  daily: DailyReconciliation;
  settlements(q: SettlementQueryInput): Promise<SettlementList>;
  /** The staff guard (token + active account): attached to every route below except login. */
  requireStaff: Middleware;
}

const objectId = z.string().regex(/^[0-9a-fA-F]{24}$/, 'must be an id');
const yyyymmdd = z
  .string()
  .regex(/^\d{8}$/, 'must be a date yyyyMMdd')
  .refine((s) => {
    const d = new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10).replace(/-/g, '') === s;
  }, 'must be a real calendar date');
const isoDate = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date');
const requestId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 characters of [A-Za-z0-9_-]');

const loginSchema = z.strictObject({
  username: limitedText('staffUsername', { trim: false }),
  password: limitedText('staffPassword', { trim: false }),
});
const listQuery = z.strictObject({
  status: z.enum(['PENDING', 'PAID', 'CLOSED', 'FAILED']).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  outTradeNo: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be an out_trade_no')
    .optional(),
  store: limitedText('storeId').optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
const refundSchema = z.strictObject({
  amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  reason: limitedText('refundReason').optional(),
  requestId,
});
const refundSource = z.enum(['REFUND_SOURCE_UNSETTLED_FUNDS', 'REFUND_SOURCE_RECHARGE_FUNDS']);
const retrySchema = z.strictObject({ source: refundSource });
const cancelSchema = z.strictObject({ reason: limitedText('refundReason').optional() });
const posSchema = z.strictObject({
  authCode: z.string().regex(/^1[0-5]\d{16}$/, 'must be the 18-digit payment code (prefix 10-15)'),
  amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  description: limitedText('posDescription'),
  requestId,
  tillId: objectId.transform((s) => s.toLowerCase()).optional(),
  items: z
    .array(
      z.strictObject({
        name: limitedText('goodsName'),
        quantity: z.number().int().min(1).max(9999),
        unitPrice: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      }),
    )
    .min(1)
    .max(MAX_POS_ITEMS)
    .optional(),
});
const statementQuery = z.strictObject({ store: limitedText('storeId').optional() });
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

export function adminRoutes(deps: AdminRouteDeps): Router {
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
      // Refusals are counted by the accounts service (per day and username), not audited one record each.
      if (err instanceof DomainError && err.code === 'TOO_MANY_REQUESTS')
        ctx.set('Retry-After', String(err.details?.retryAfterSeconds ?? 60));
      throw err;
    }
  });

  // Everything below needs a staff token.
  const guarded = new Router();
  guarded.use(deps.requireStaff);

  guarded.post('/staff/:username/unlock', requireRole('admin'), async (ctx) => {
    const { username } = validate(
      z.strictObject({ username: z.string().regex(USERNAME_PATTERN, 'must be a username') }),
      ctx.params,
      'path',
    );
    validate(emptyBody, ctx.request.body ?? {});
    if (!(await deps.accounts.unlock(username))) throw new DomainError('NOT_FOUND', `no staff user ${username}`);
    await audit(ctx, { action: 'staff.unlock', target: `staff:${username}` });
    ctx.body = { username, unlocked: true };
  });

  guarded.get('/orders', requireCapability('orders'), async (ctx) => {
    const q = validate(listQuery, ctx.query, 'query');
    const filter = {
      ...(q.status ? { status: q.status } : {}),
      ...(q.outTradeNo ? { outTradeNo: q.outTradeNo } : {}),
      ...(q.store ? { storeId: q.store } : {}),
      ...(q.from ? { from: new Date(q.from) } : {}),
      ...(q.to ? { to: new Date(q.to) } : {}),
    };
    ctx.body = (await deps.orders.list(filter, q.page, q.pageSize)) satisfies AdminOrderList;
  });

  guarded.get('/orders/:id', requireCapability('orders'), async (ctx) => {
    const { id } = validate(z.strictObject({ id: objectId }), ctx.params, 'path');
    ctx.body = await deps.orders.view(await deps.orders.get(id));
  });

  guarded.post('/orders/:id/refunds', requireCapability('refund'), async (ctx) => {
    const { id } = validate(z.strictObject({ id: objectId }), ctx.params, 'path');
    const input = validate(refundSchema, ctx.request.body);
    const staff = staffOf(ctx);
    let result;
    try {
      result = await deps.refunds.create(id.toLowerCase(), input, staff.username);
    } catch (err) {
      if (err instanceof DomainError) {
        await audit(ctx, {
          action: 'refund.refused',
          target: `order:${id}`,
          orderId: id,
          detail: { amount: input.amount, requestId: input.requestId, code: err.code },
        });
      }
      throw err;
    }
    const { refund, created } = result;
    if (created) {
      await audit(ctx, {
        action: 'refund.create',
        target: `refund:${refund.id}`,
        orderId: refund.orderId,
        detail: {
          amount: refund.amount,
          outRefundNo: refund.outRefundNo,
          requestId: refund.requestId,
          status: refund.status,
          ...(refund.reason ? { reason: refund.reason } : {}),
        },
      });
    }
    ctx.status = created ? 201 : 200;
    ctx.body = toAdminRefundView(refund);
  });

  guarded.get('/refunds/:id', requireCapability('orders'), async (ctx) => {
    const { id } = validate(z.strictObject({ id: objectId }), ctx.params, 'path');
    ctx.body = toAdminRefundView(await deps.refunds.get(id.toLowerCase()));
  });

  // A refund waiting for staff (NOT_ENOUGH again and again): send it again from the chosen funds, or give it up.
  // Each is one conditional update on the waiting marker: of two clicks or two people, one acts, the other 409.
  guarded.post('/refunds/:id/retry', requireCapability('refund'), async (ctx) => {
    const { id } = validate(z.strictObject({ id: objectId }), ctx.params, 'path');
    const { source } = validate(retrySchema, ctx.request.body ?? {});
    const refund = await deps.refunds.retryAwaiting(id.toLowerCase(), source);
    await audit(ctx, {
      action: 'refund.retry',
      target: `refund:${refund.id}`,
      orderId: refund.orderId,
      detail: { amount: refund.amount, outRefundNo: refund.outRefundNo, source, status: refund.status },
    });
    ctx.body = toAdminRefundView(refund);
  });

  guarded.post('/refunds/:id/cancel', requireCapability('refund'), async (ctx) => {
    const { id } = validate(z.strictObject({ id: objectId }), ctx.params, 'path');
    const { reason } = validate(cancelSchema, ctx.request.body ?? {});
    const staff = staffOf(ctx);
    const refund = await deps.refunds.cancelAwaiting(id.toLowerCase(), reason ? `${staff.username}: ${reason}` : staff.username);
    await audit(ctx, {
      action: 'refund.cancel',
      target: `refund:${refund.id}`,
      orderId: refund.orderId,
      detail: { amount: refund.amount, outRefundNo: refund.outRefundNo, status: refund.status, ...(reason ? { reason } : {}) },
    });
    ctx.body = toAdminRefundView(refund);
  });

  // "Check WeChat for refunds": the all-refunds query; refunds made in the merchant platform are recorded.
  guarded.post('/orders/:id/refunds/sync', requireCapability('refund'), async (ctx) => {
    const { id } = validate(z.strictObject({ id: objectId }), ctx.params, 'path');
    if (ctx.request.body !== undefined) validate(emptyBody, ctx.request.body);
    const order = await deps.orders.get(id);
    let result;
    try {
      result = await deps.discovery.checkOrder(order);
    } catch (err) {
      throw providerError(err, 'could not ask WeChat Pay for the refunds of this order');
    }
    await audit(ctx, { action: 'order.refunds_sync', target: `order:${order.id}`, orderId: order.id, detail: { ...result } });
    const body: RefundSyncResult = { ...result, order: await deps.orders.view(await deps.orders.get(order.id)) };
    ctx.body = body;
  });

  guarded.post('/orders/:id/close', requireCapability('close'), async (ctx) => {
    const { id } = validate(z.strictObject({ id: objectId }), ctx.params, 'path');
    if (ctx.request.body !== undefined) validate(emptyBody, ctx.request.body);
    const order = await deps.orders.get(id);
    const { order: after, result } = await deps.orders.close(order, ctx.state.log as Logger);
    await audit(ctx, {
      action: 'order.close',
      target: `order:${id}`,
      orderId: order.id,
      detail: { outTradeNo: order.outTradeNo, result, status: after.status },
    });
    ctx.body = await deps.orders.view(after);
  });

  guarded.post('/pos/charge', requireCapability('pos'), async (ctx) => {
    const input = validate(posSchema, ctx.request.body);
    const staff = staffOf(ctx);
    const { result, created } = await deps.pos.charge(input, staff.username);
    const order = await deps.orders.findByOutTradeNo(result.outTradeNo);
    await audit(ctx, {
      action: created ? 'pos.charge' : 'pos.charge_repeat',
      target: `order:${order?.id ?? result.outTradeNo}`,
      ...(order ? { orderId: order.id } : {}),
      detail: {
        amount: input.amount,
        requestId: input.requestId,
        state: result.state,
        outTradeNo: result.outTradeNo,
        ...(result.till ? { tillId: result.till.id, storeId: result.till.storeId } : {}),
      },
    });
    ctx.status = created ? 201 : 200;
    ctx.body = result;
  });

  guarded.get('/statements/:date', requireCapability('statements'), async (ctx) => {
    const { date } = validate(z.strictObject({ date: yyyymmdd }), ctx.params, 'path');
    const { store } = validate(statementQuery, ctx.query, 'query');
    const report = await deps.reconcile(date, store);
    await audit(ctx, {
      action: 'statement.reconcile',
      target: `statement:${date}`,
      detail: { rows: report.rows, differences: report.differences.length, ...(store ? { store } : {}) },
    });
    ctx.body = report;
  });

  // The daily reconciliation job's results (stored; nothing is downloaded here).
  const dayParam = z.strictObject({ date: yyyymmdd });
  const noQuery = (ctx: Context) => {
    if (Object.keys(ctx.query).length) validate(z.strictObject({}), ctx.query, 'query');
  };
  const storedDay = async (date: string) => {
    const found = await deps.daily.day(date);
    if (!found) throw new DomainError('NOT_FOUND', `no reconciliation for ${date}`);
    return found;
  };
  guarded.get('/reconciliation/days', requireCapability('statements'), async (ctx) => {
    noQuery(ctx);
    const body: ReconciliationDayList = { items: await deps.daily.listDays() };
    ctx.body = body;
  });
  guarded.get('/reconciliation/days/:date', requireCapability('statements'), async (ctx) => {
    const { date } = validate(dayParam, ctx.params, 'path');
    noQuery(ctx);
    const body: ReconciliationDayDetail = await storedDay(date);
    ctx.body = body;
  });
  guarded.get('/reconciliation/days/:date/differences.csv', requireCapability('statements'), async (ctx) => {
    const { date } = validate(dayParam, ctx.params, 'path');
    noQuery(ctx);
    const { differences } = await storedDay(date);
    await audit(ctx, { action: 'reconciliation.export', target: `statement:${date}`, detail: { differences: differences.length } });
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="reconciliation-${date}.csv"`);
    ctx.body = differencesCsv(date, differences);
  });

  tillRoutes(guarded, deps.tills, audit);

  guarded.get('/settlements', requireCapability('settlements'), async (ctx) => {
    const q = validate(settlementQuery, ctx.query, 'query');
    const list = await deps.settlements(q);
    await audit(ctx, { action: 'settlements.query', target: `settlements:${q.state}`, detail: { ...q } });
    ctx.body = list;
  });

  router.use(guarded.routes(), guarded.allowedMethods());
  // Any other /api/admin path: staff only, then 404.
  router.all('/{*rest}', deps.requireStaff, (ctx) => {
    throw new DomainError('NOT_FOUND', `no route ${ctx.method} ${ctx.path}`);
  });
  return router;
}
