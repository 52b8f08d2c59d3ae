// createApp(deps) builds the Koa app from services built elsewhere (the composition root, compose.ts) and
// never listens, so tests drive `app.callback()` directly. Each guard is attached to the routes it guards.
import type Router from '@koa/router';
import Koa from 'koa';
import type { CustomerLogin } from '../auth/customer-login';
import type { CatalogService } from '../domain/catalog-service';
import type { OrderService } from '../domain/order-service';
import type { RefundLookup } from '../domain/order-view';
import type { Logger } from '../logger';
import type { TrustProxy } from '../config';
import { bufferBody, jsonBody } from './body';
import { clientAddress } from './client-address';
import { errorHandler, HttpError } from './errors';
import { Admission, admit, type AdmissionLimits, type AdmissionStats } from './middleware/admission';
import { TokenBuckets, type BucketLimits } from './middleware/rate-limit';
import { securityHeaders } from './security-headers';
import { requestContext } from './request-id';
import type { AdminRouteDeps } from './routes/admin';
import { adminRoutes } from './routes/admin';
import { reportRoutes, type ReportRouteDeps } from './routes/admin/reports';
import { searchRoutes } from './routes/admin/search';
import { authRoutes } from './routes/auth';
import { configRoutes } from './routes/config';
import { consoleRoutes } from './routes/console';
import { healthRoutes, type HealthDeps } from './routes/health';
import { notifyRefundsRoutes, type RefundNotificationHandler } from './routes/notify-refunds';
import { NOTIFY_BODY_LIMIT, notifyTransactionRoutes, type PaymentNotificationHandler } from './routes/notify-transactions';
import { orderRoutes } from './routes/orders';
import { productRoutes } from './routes/products';
import type { ClientConfig } from '../../../shared/api';
import type { Middleware } from 'koa';
import { productImageRoutes } from './routes/product-images';

export interface HttpLimits {
  bodyLimitKb: number;
  /** Longest time to receive a request body (408 and the connection closed beyond). */
  bodyTimeoutMs: number;
  maxQuantityPerItem: number;
  maxItemsPerOrder: number;
  admission: { writes: AdmissionLimits; reads: AdmissionLimits; notifications: AdmissionLimits };
  /** Orders one customer may create (per process). */
  orderRate?: BucketLimits;
  /** Strict-Transport-Security max-age for deployments behind TLS; 0 sends none. */
  hstsMaxAgeSeconds?: number;
}

/** Everything the HTTP layer calls, already built. */
export interface AppServices {
  clientConfig: ClientConfig;
  catalog: CatalogService;
  customerLogin: CustomerLogin;
  orders: OrderService;
  refundLookup: RefundLookup;
  handlePaymentNotification: PaymentNotificationHandler;
  handleRefundNotification: RefundNotificationHandler;
  requireCustomer: Middleware;
  staff: AdminRouteDeps & { reports: Omit<ReportRouteDeps, 'requireStaff' | 'audit'> };
}

export interface AppDeps extends HealthDeps {
  logger: Logger;
  /** Which reverse proxies may name the client (TRUST_PROXY); none when absent. */
  trustProxy?: TrustProxy;
  limits: HttpLimits;
  services: AppServices;
  /** Extra routers a deployment mounts after the customer API (the sandbox plugin, GET /metrics). */
  plugins?: Router[];
  /** Instrumentation: a middleware around every request, and each load-shedding pool's counts to watch. */
  observe?: { middleware: Middleware; admission(pool: 'notifications' | 'writes' | 'reads', stats: () => AdmissionStats): void };
}

// A known path with the wrong method answers 405 in the error shape (not an empty body or a 501).
const methodNotAllowed = () => new HttpError(405, 'METHOD_NOT_ALLOWED', 'method not allowed on this path');
const ALLOWED_METHODS = { throw: true, methodNotAllowed, notImplemented: methodNotAllowed };

function mount(app: Koa, router: Router): void {
  app.use(router.routes()).use(router.allowedMethods(ALLOWED_METHODS));
}

export function createApp(deps: AppDeps): Koa {
  const { services, limits } = deps;
  const app = new Koa({ proxy: false });
  app.silent = true; // errors are logged by errorHandler, with the request id
  app.use(clientAddress(deps.trustProxy ?? { kind: 'none' }));
  app.use(requestContext(deps.logger));
  app.use(securityHeaders({ hstsMaxAgeSeconds: limits.hstsMaxAgeSeconds ?? 0 }));
  if (deps.observe) app.use(deps.observe.middleware);
  app.use(errorHandler((err, ctx) => (ctx.state.log as Logger).error({ err }, 'unhandled error')));
  mount(app, healthRoutes(deps));
  mount(app, consoleRoutes()); // staff console at /admin/ (static; the API it calls has its own auth)
  mount(app, productImageRoutes()); // sample product pictures at /images/products/ (static, cached)

  // Case-insensitive, as the routers match: a path's spelling must not skip admission or the body rules.
  const isNotification = (ctx: Koa.Context) => ctx.path.toLowerCase().startsWith('/wechatpay/notify/');
  const isApi = (ctx: Koa.Context) => ctx.path.toLowerCase().startsWith('/api/');
  const isRead = (ctx: Koa.Context) => ctx.method === 'GET' || ctx.method === 'HEAD';
  // The whole body is read (size-limited, with its own deadline) before any admission slot is taken.
  app.use(
    bufferBody({
      limitBytes: limits.bodyLimitKb * 1024,
      rawLimitBytes: NOTIFY_BODY_LIMIT,
      raw: isNotification,
      timeoutMs: limits.bodyTimeoutMs,
    }),
  );
  const pool = (name: 'notifications' | 'writes' | 'reads', a: Admission) => (deps.observe?.admission(name, () => a.stats()), a);
  app.use(
    admit(pool('notifications', new Admission(limits.admission.notifications)), isNotification, (ctx) => {
      ctx.status = 503; // WeChat Pay delivers again later
      ctx.body = { code: 'FAIL', message: 'busy, retry later' };
    }),
  );
  const busy = () => {
    throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'the server is busy; retry in a moment');
  };
  app.use(admit(pool('writes', new Admission(limits.admission.writes)), (ctx) => isApi(ctx) && !isRead(ctx), busy));
  app.use(admit(pool('reads', new Admission(limits.admission.reads)), (ctx) => isApi(ctx) && isRead(ctx), busy));

  // WeChat Pay's notifications: raw body, verified by signature, no JWT.
  mount(app, notifyTransactionRoutes(services.handlePaymentNotification));
  mount(app, notifyRefundsRoutes(services.handleRefundNotification));

  app.use(jsonBody());
  mount(app, configRoutes(services.clientConfig));
  mount(app, productRoutes(services.catalog));
  mount(app, authRoutes(services.customerLogin));
  // The customer's orders before the staff routers: every request walks the routers mounted before its own.
  mount(
    app,
    orderRoutes({
      orders: services.orders,
      refunds: services.refundLookup,
      requireCustomer: services.requireCustomer,
      maxQuantityPerItem: limits.maxQuantityPerItem,
      maxItemsPerOrder: limits.maxItemsPerOrder,
      ...(limits.orderRate ? { orderRate: new TokenBuckets(limits.orderRate) } : {}),
    }),
  );
  // Reports and search before the staff router, whose catch-all answers 404 for any path it does not know.
  mount(app, reportRoutes({ ...services.staff.reports, requireStaff: services.staff.requireStaff, audit: services.staff.audit }));
  mount(
    app,
    searchRoutes({ orders: services.staff.orders, refundLookup: services.refundLookup, requireStaff: services.staff.requireStaff }),
  );
  mount(app, adminRoutes(services.staff));
  for (const r of deps.plugins ?? []) mount(app, r);
  return app;
}
