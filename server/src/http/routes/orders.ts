// Customer orders. Every route is behind customerAuth; every lookup is filtered by the caller's openid.
import Router from '@koa/router';
import { z } from 'zod';
import type { CreateOrderResponse, OrderList, PayOrderResponse } from '../../../../shared/api';
import type { OrderService } from '../../domain/order-service';
import { refundsOf, toOrderView, type RefundLookup } from '../../domain/order-view';
import type { Order } from '../../domain/ports/orders';
import { customerOf } from '../middleware/customer-auth';
import { rateLimit, type TokenBuckets } from '../middleware/rate-limit';
import type { Middleware } from 'koa';
import { validate } from '../validate';

export interface OrderRouteDeps {
  orders: OrderService;
  refunds: RefundLookup;
  /** The customer guard: runs for every route of this router (whatever the path's spelling). */
  requireCustomer: Middleware;
  maxQuantityPerItem: number;
  maxItemsPerOrder: number;
  /** Orders one customer may create: a burst, then a steady rate (429 with Retry-After beyond). */
  orderRate?: TokenBuckets;
}

const idParam = z.strictObject({ id: z.string().regex(/^[0-9a-f]{24}$/, 'must be an order id') });

export function orderRoutes(deps: OrderRouteDeps): Router {
  const createSchema = z.strictObject({
    items: z
      .array(
        z.strictObject({
          sku: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be a catalog sku'),
          quantity: z.number().int().min(1).max(deps.maxQuantityPerItem),
        }),
      )
      .min(1)
      .max(deps.maxItemsPerOrder),
    clientRequestId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 characters of [A-Za-z0-9_-]'),
  });
  const getQuery = z.object({ wait: z.enum(['0', '1']).optional() });
  const listQuery = z.strictObject({
    page: z.coerce.number().int().min(1).max(10000).default(1),
    pageSize: z.coerce.number().int().min(1).max(50).default(20),
  });

  const view = async (o: Order) => toOrderView(o, (await refundsOf(deps.refunds, [o])).get(o.id) ?? []);

  const r = new Router({ prefix: '/api/orders' });
  // The guard is named on each route, not `r.use`d: a prefix `use` matches the path case-sensitively while the
  // routes match case-insensitively, so `/API/ORDERS` reached the handlers without it.
  const guard = deps.requireCustomer;
  const perCustomer = deps.orderRate ? [rateLimit(deps.orderRate, (ctx) => customerOf(ctx).openid, 'new orders')] : [];
  r.post('/', guard, ...perCustomer, async (ctx) => {
    const input = validate(createSchema, ctx.request.body);
    const { openid } = customerOf(ctx);
    const request = { clientIp: clientIp(ctx.ip) };
    const { order, created } = await deps.orders.create(openid, input, request);
    const paid = await deps.orders.payment(order, request);
    ctx.status = created ? 201 : 200;
    ctx.body = { order: await view(paid.order), payment: paid.payment } satisfies CreateOrderResponse;
  });
  r.get('/', guard, async (ctx) => {
    const q = validate(listQuery, ctx.query, 'query');
    const { items, total } = await deps.orders.list(customerOf(ctx).openid, q.page, q.pageSize);
    const refunds = await refundsOf(deps.refunds, items);
    ctx.body = {
      items: items.map((o) => toOrderView(o, refunds.get(o.id) ?? [])),
      page: q.page,
      pageSize: q.pageSize,
      total,
    } satisfies OrderList;
  });
  r.get('/:id', guard, async (ctx) => {
    const { id } = validate(idParam, ctx.params, 'path');
    const { wait } = validate(getQuery, ctx.query, 'query');
    const { openid } = customerOf(ctx);
    if (wait === '1') {
      // After the payment sheet: answered once the order is settled (bounded wait, then WeChat is asked).
      // The slot of the reads admission is given back while this only waits (bounded by the waiter limit).
      const release = ctx.state.releaseAdmission as (() => void) | undefined;
      ctx.body = await view(await deps.orders.awaitSettled(openid, id, release));
      return;
    }
    const order = await deps.orders.get(openid, id);
    ctx.body = await view(await deps.orders.syncIfStale(order));
  });
  r.post('/:id/pay', guard, async (ctx) => {
    const { id } = validate(idParam, ctx.params, 'path');
    const body = ctx.request.body;
    if (body !== undefined && !(typeof body === 'object' && body !== null && Object.keys(body).length === 0)) {
      validate(z.strictObject({}), body);
    }
    const order = await deps.orders.get(customerOf(ctx).openid, id);
    const paid = await deps.orders.payment(order, { clientIp: clientIp(ctx.ip) });
    ctx.body = { order: await view(paid.order), payment: paid.payment } satisfies PayOrderResponse;
  });
  return r;
}

/** The customer's address for scene_info.payer_client_ip ("::ffff:1.2.3.4" written as 1.2.3.4). */
function clientIp(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
