// GET /api/admin/search?q=[&store=] : one search box for every number staff may hold (order number, WeChat Pay
// transaction id, refund number, WeChat Pay refund id), optionally within one store's orders. Mounted before the
// main staff router.
import Router from '@koa/router';
import { z } from 'zod';
import type { AdminSearchResult } from '../../../../../shared/api';
import type { Middleware } from 'koa';
import { toOrderView, type RefundLookup } from '../../../domain/order-view';
import type { StaffOrders } from '../../../domain/staff-orders';
import { requireCapability } from '../../middleware/staff-auth';
import { limitedText } from '../../text-limits';
import { validate } from '../../validate';

export interface SearchRouteDeps {
  orders: StaffOrders;
  refundLookup: RefundLookup;
  requireStaff: Middleware;
}

const searchQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_*@|-]{1,64}$/, 'must be an order, transaction or refund number'),
  /** Only orders charged at this store's tills (the order list's store filter, kept while searching). */
  store: limitedText('storeId').optional(),
});

export function searchRoutes(deps: SearchRouteDeps): Router {
  const router = new Router({ prefix: '/api/admin' });
  router.get('/search', deps.requireStaff, requireCapability('orders'), async (ctx) => {
    const { q, store } = validate(searchQuery, ctx.query, 'query');
    const { orders: matched, matchedBy } = await deps.orders.search(q);
    const orders = store ? matched.filter((o) => o.till?.storeId === store) : matched;
    const refunds = await deps.refundLookup(orders.map((o) => o.id));
    ctx.body = {
      items: orders.map((o) => toOrderView(o, refunds.get(o.id) ?? [])),
      page: 1,
      pageSize: orders.length,
      total: orders.length,
      matchedBy,
    } satisfies AdminSearchResult;
  });
  return router;
}
