// createApp(deps) builds the Koa app without listening, so tests drive `app.callback()` directly.
// With `services` it mounts the customer API and WeChat Pay's notification endpoint; staff routes are
// passed in `staffRoutes` by the composition root (main.ts).
import type Router from '@koa/router';
import Koa from 'koa';
import type { Connection } from 'mongoose';
import type { Config } from '../config';
import type { OrderService } from '../domain/order-service';
import type { RefundLookup } from '../domain/order-view';
import type { Logger } from '../logger';
import type { CustomerModel } from '../models/customer';
import type { OrderModel } from '../models/order';
import type { PaymentEventModel } from '../models/payment-event';
import type { ProductModel } from '../models/product';
import type { PaymentGateway } from '../payment-gateway';
import { jsonBody } from './body';
import { errorHandler, HttpError } from './errors';
import { Admission, admit } from './middleware/admission';
import { customerAuth } from './middleware/customer-auth';
import { requestContext } from './request-id';
import { authRoutes } from './routes/auth';
import { configRoutes } from './routes/config';
import { consoleRoutes } from './routes/console';
import { healthRoutes, type HealthDeps } from './routes/health';
import { notifyTransactionRoutes } from './routes/notify-transactions';
import { orderRoutes } from './routes/orders';
import { productRoutes } from './routes/products';
import { productImageRoutes } from './routes/product-images';
import { sandboxCashierRoutes } from './routes/sandbox-cashier';
import { sandboxLoginRoutes } from './routes/sandbox-login';

export interface AppServices {
  config: Config;
  gateway: PaymentGateway;
  orders: OrderService;
  Order: OrderModel;
  Product: ProductModel;
  Customer: CustomerModel;
  PaymentEvent: PaymentEventModel;
  refunds: RefundLookup;
}

export interface AppDeps {
  db: Connection;
  logger: Logger;
  readinessChecks?: HealthDeps['readinessChecks'];
  services?: AppServices;
  /** Routers that parse their own bodies and do their own auth, mounted before the JSON API (e.g. refund notifications). */
  rawRoutes?: Router[];
  /** Routers mounted after the JSON body parser (staff API). */
  apiRoutes?: Router[];
}

// A known path with the wrong method answers 405 in the error shape (not an empty body or a 501).
const methodNotAllowed = () => new HttpError(405, 'METHOD_NOT_ALLOWED', 'method not allowed on this path');
const ALLOWED_METHODS = { throw: true, methodNotAllowed, notImplemented: methodNotAllowed };

function mount(app: Koa, router: Router): void {
  app.use(router.routes()).use(router.allowedMethods(ALLOWED_METHODS));
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true; // errors are logged by errorHandler, with the request id
  app.use(requestContext(deps.logger));
  app.use(errorHandler((err, ctx) => (ctx.state.log as Logger).error({ err }, 'unhandled error')));
  mount(app, healthRoutes(deps));
  mount(app, consoleRoutes()); // staff console at /admin/ (static; the API it calls has its own auth)
  mount(app, productImageRoutes()); // sample product pictures at /images/products/ (static, cached)
  const s = deps.services;
  if (s) {
    const c = s.config;
    const isNotification = (ctx: Koa.Context) => ctx.path.startsWith('/wechatpay/notify/');
    const isApi = (ctx: Koa.Context) => ctx.path.startsWith('/api/');
    const isRead = (ctx: Koa.Context) => ctx.method === 'GET' || ctx.method === 'HEAD';
    app.use(
      admit(new Admission(c.ADMISSION_NOTIFICATIONS), isNotification, (ctx) => {
        ctx.status = 503; // WeChat Pay delivers again later
        ctx.body = { code: 'FAIL', message: 'busy, retry later' };
      }),
    );
    const busy = () => {
      throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'the server is busy; retry in a moment');
    };
    app.use(admit(new Admission(c.ADMISSION_WRITES), (ctx) => isApi(ctx) && !isRead(ctx), busy));
    app.use(admit(new Admission(c.ADMISSION_READS), (ctx) => isApi(ctx) && isRead(ctx), busy));
    // WeChat Pay's notifications: raw body, verified by signature, no JWT.
    mount(app, notifyTransactionRoutes({ Order: s.Order, PaymentEvent: s.PaymentEvent, gateway: s.gateway, logger: deps.logger }));
  }
  for (const r of deps.rawRoutes ?? []) mount(app, r);
  if (s) {
    const c = s.config;
    app.use(jsonBody(c.BODY_LIMIT_KB));
    mount(
      app,
      configRoutes({
        currency: c.CURRENCY,
        sandbox: c.SANDBOX,
        merchantName: c.MERCHANT_NAME,
        maxQuantityPerItem: c.MAX_QUANTITY_PER_ITEM,
        maxItemsPerOrder: c.MAX_ITEMS_PER_ORDER,
      }),
    );
    mount(app, productRoutes({ Product: s.Product, currency: c.CURRENCY }));
    mount(
      app,
      authRoutes({
        Customer: s.Customer,
        jwtSecret: c.JWT_SECRET,
        ttlSeconds: c.CUSTOMER_TOKEN_TTL_SECONDS,
        wechat: {
          baseUrl: c.WECHAT_API_BASE_URL,
          // The Mini Program's appid: the sub-merchant's in institution mode.
          appid: c.WECHATPAY_MODE === 'institution' && c.WECHATPAY_SUB_APPID ? c.WECHATPAY_SUB_APPID : c.WECHATPAY_APPID,
          secret: c.WECHAT_APP_SECRET,
          timeoutMs: c.WECHATPAY_TIMEOUT_MS,
        },
      }),
    );
    // ---- staff API (mounted before the customer guard so it keeps its own auth) ----
    for (const r of deps.apiRoutes ?? []) mount(app, r);
    const requireCustomer = customerAuth(c.JWT_SECRET);
    const orders = orderRoutes({ orders: s.orders, refunds: s.refunds, maxQuantityPerItem: c.MAX_QUANTITY_PER_ITEM, maxItemsPerOrder: c.MAX_ITEMS_PER_ORDER });
    app.use(async (ctx, next) => {
      if (ctx.path === '/api/orders' || ctx.path.startsWith('/api/orders/') || ctx.path === '/api/sandbox/cashier') return requireCustomer(ctx, next);
      return next();
    });
    mount(app, orders);
    if (c.SANDBOX) mount(app, sandboxCashierRoutes({ orders: s.orders, sandboxBaseUrl: c.WECHATPAY_BASE_URL, timeoutMs: c.WECHATPAY_TIMEOUT_MS }));
    if (c.SANDBOX) {
      const appid = c.WECHATPAY_MODE === 'institution' && c.WECHATPAY_SUB_APPID ? c.WECHATPAY_SUB_APPID : c.WECHATPAY_APPID;
      mount(app, sandboxLoginRoutes({ wechatApiBaseUrl: c.WECHAT_API_BASE_URL, appid, timeoutMs: c.WECHATPAY_TIMEOUT_MS }));
    }
  }
  return app;
}
