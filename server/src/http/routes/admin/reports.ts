// Staff reports under /api/admin: the dashboard (today, 7 or 30 days) and the CSV exports of orders and refunds,
// streamed row by row from a database cursor (see domain/dashboard.ts). Any staff role may read them; each export
// is audited. Mounted before the main staff router, whose catch-all would otherwise answer 404.
import { Readable } from 'node:stream';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import {
  DASHBOARD_DAYS,
  DEFAULT_UTC_OFFSET,
  MAX_EXPORT_DAYS,
  dashboard,
  localDayStart,
  ordersCsv,
  refundsCsv,
  type ReportSource,
} from '../../../domain/dashboard';
import type { Actor, AuditEntry } from '../../../domain/staff-audit';
import { requireCapability, staffOf } from '../../middleware/staff-auth';
import { validate } from '../../validate';

export interface ReportRouteDeps {
  source: ReportSource;
  currency: string;
  requireStaff: Middleware;
  audit: { record(actor: Actor, e: AuditEntry): Promise<void> };
}

const utcOffset = z.coerce.number().int().min(-720).max(840).default(DEFAULT_UTC_OFFSET);
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date yyyy-mm-dd')
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    'must be a real calendar date',
  );
const dashboardQuery = z.strictObject({
  days: z.coerce
    .number()
    .int()
    .refine((n) => (DASHBOARD_DAYS as readonly number[]).includes(n), `must be one of ${DASHBOARD_DAYS.join(', ')}`)
    .default(7),
  utcOffset,
});
const exportQuery = z.strictObject({ from: day, to: day, utcOffset }).superRefine((q, ctx) => {
  if (q.to < q.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  else if ((Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 + 1 > MAX_EXPORT_DAYS)
    ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_EXPORT_DAYS} days` });
});

export function reportRoutes(deps: ReportRouteDeps): Router {
  const router = new Router({ prefix: '/api/admin' });
  const auth = deps.requireStaff;
  const read = requireCapability('orders');

  router.get('/dashboard', auth, read, async (ctx) => {
    const q = validate(dashboardQuery, ctx.query, 'query');
    ctx.body = await dashboard(deps.source, { days: q.days, utcOffset: q.utcOffset, currency: deps.currency });
  });

  const exporter = (kind: 'orders' | 'refunds') => async (ctx: Context) => {
    const q = validate(exportQuery, ctx.query, 'query');
    const from = localDayStart(q.from, q.utcOffset);
    const to = new Date(localDayStart(q.to, q.utcOffset).getTime() + 86_400_000);
    await deps.audit.record(staffOf(ctx), {
      action: 'report.export',
      target: `export:${kind}`,
      detail: { ...q },
      requestId: ctx.state.requestId as string,
      ip: ctx.ip,
    });
    const rows = kind === 'orders' ? ordersCsv(deps.source, from, to) : refundsCsv(deps.source, from, to);
    // Pulled on demand: the cursor reads the next batch only when the socket has taken the previous rows.
    const stream = Readable.from(rows, { objectMode: false, highWaterMark: 64 * 1024 });
    stream.on('error', (err) =>
      (ctx.state.log as { error?: (o: unknown, m: string) => void } | undefined)?.error?.({ err }, 'export stream failed'),
    );
    ctx.set('Content-Type', 'text/csv; charset=utf-8');
    ctx.set('Content-Disposition', `attachment; filename="${kind}-${q.from}-to-${q.to}.csv"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = stream;
  };
  router.get('/export/orders.csv', auth, read, exporter('orders'));
  router.get('/export/refunds.csv', auth, read, exporter('refunds'));
  return router;
}
