// The composition root: from configuration, storage, the payment gateway and a logger, builds every service,
// the HTTP app and the jobs. main.ts (the process) and tests call this one function; nothing else wires.
import type Router from '@koa/router';
import type Koa from 'koa';
import type { ClientConfig } from '../../shared/api';
import type { CurrencyCode } from '../../shared/money';
import { CustomerLogin } from './auth/customer-login';
import type { Config } from './config';
import { CatalogService } from './domain/catalog-service';
import { OrderService } from './domain/order-service';
import { OrderSettlements } from './domain/order-settlements';
import type { RefundLookup } from './domain/order-view';
import { handlePaymentNotification } from './domain/payment-notifications';
import { PosService } from './domain/pos-charge';
import type { Storage } from './domain/ports';
import type { PaymentGateway } from './domain/ports/payment-gateway';
import { DailyReconciliation } from './domain/daily-reconciliation';
import { Reconciliation } from './domain/reconciliation-report';
import { RefundDiscovery } from './domain/refund-discovery';
import { handleRefundNotification } from './domain/refund-notifications';
import { RefundService, toRefundView } from './domain/refund-service';
import { querySettlements } from './domain/settlements';
import { StaffAccounts } from './domain/staff-accounts';
import { AuditLog } from './domain/staff-audit';
import { LoginLimiter } from './domain/staff-login-limiter';
import { StaffOrders } from './domain/staff-orders';
import { TillService } from './domain/tills';
import { instrumentGateway } from './gateway/instrumented-gateway';
import { rateLimitedGateway } from './gateway/rate-limited-gateway';
import { createApp } from './http/app';
import { customerAuth } from './http/middleware/customer-auth';
import { staffAuth } from './http/middleware/staff-auth';
import type { DatabaseHealth } from './http/routes/health';
import { dailyReconciliationJob } from './jobs/daily-reconciliation';
import { runExpiredOrders } from './jobs/expired-orders';
import { runPendingOrders } from './jobs/pending-orders';
import { refundSyncJob } from './jobs/refund-sync';
import type { Job } from './jobs/runner';
import type { Logger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { httpMetrics, metricsRoutes } from './metrics/http';
import { instrumentJob, observeNotifications, observeStorage } from './metrics/observers';
import { sandboxPlugin } from './sandbox-plugin';

export interface BackendParts {
  config: Config;
  storage: Storage;
  gateway: PaymentGateway;
  logger: Logger;
  /** Names this instance in job claims and leases. */
  owner: string;
  database: DatabaseHealth;
  readinessChecks?: Record<string, () => Promise<boolean> | boolean>;
  /** The newest platform certificate, for the expiry metric (undefined with a public key). */
  newestCertificate?: () => { serial: string; notAfter: Date } | undefined;
}

export interface Backend {
  app: Koa;
  jobs: Job[];
  orders: OrderService;
  refunds: RefundService;
  accounts: StaffAccounts;
  pos: PosService;
  /** The daily reconciliation (its `differencesOfLastDay()` feeds the wechatpay_reconciliation_differences gauge). */
  daily: DailyReconciliation;
  /** This instance's metrics (its registry serves GET /metrics and the METRICS_ADDR listener). */
  metrics: Metrics;
}

/** The Mini Program's appid: the sub-merchant's in institution mode. */
export function miniProgramAppid(config: Config): string {
  return config.WECHATPAY_MODE === 'institution' && config.WECHATPAY_SUB_APPID ? config.WECHATPAY_SUB_APPID : config.WECHATPAY_APPID;
}

export function composeBackend(parts: BackendParts): Backend {
  const { config, logger, owner } = parts;
  // Instrumentation: the metrics registry, observed repositories (order and refund state changes) and the
  // WeChat Pay calls timed; everything below uses these.
  const metrics = createMetrics({
    stuckRefunds: (before) => parts.storage.refunds.countStuck(before),
    awaitingStaffRefunds: () => parts.storage.refunds.countAwaitingStaff(),
    newestCertificate: parts.newestCertificate,
  });
  const storage = observeStorage(parts.storage, metrics.events);
  // Every call to WeChat Pay (requests, jobs, staff) shares one budget, so the merchant's quota is protected;
  // a call refused by the budget is never sent, so it is not timed as a WeChat Pay call.
  const gateway = rateLimitedGateway(instrumentGateway(parts.gateway, metrics), { perSecond: config.WECHATPAY_MAX_CALLS_PER_SECOND });
  const schedule = config.PENDING_QUERY_SCHEDULE_SECONDS;

  // Customers waiting after the payment sheet are answered when this instance settles their order.
  const settlements = new OrderSettlements();
  const orders = new OrderService({
    orders: storage.orders,
    catalog: storage.catalog,
    gateway,
    currency: config.CURRENCY,
    orderTtlSeconds: config.ORDER_TTL_SECONDS,
    firstSyncSeconds: schedule[0] ?? 30,
    syncStaleSeconds: config.ORDER_SYNC_STALE_SECONDS,
    logger,
    catalogCacheMs: 5000,
    settlements,
    settleWaitMs: 3000,
  });
  const refunds = new RefundService({
    orders: storage.orders,
    refunds: storage.refunds,
    gateway,
    logger,
    retryDelaysMs: config.REFUND_RETRY_SCHEDULE_SECONDS.map((s) => s * 1000),
    processingCheckMs: config.REFUND_PROCESSING_CHECK_SECONDS * 1000,
    notEnoughRetries: config.REFUND_NOT_ENOUGH_RETRIES,
  });
  // Refunds made outside this system (merchant platform), found with WeChat's all-refunds query.
  const discovery = new RefundDiscovery({ orders: storage.orders, refundRecords: storage.refunds, refunds, gateway, logger });
  const limiter = new LoginLimiter(storage.loginAttempts, {
    windowMs: config.STAFF_LOGIN_WINDOW_SECONDS * 1000,
    maxPerUser: config.STAFF_LOGIN_MAX_PER_USER,
    maxPerUserAddress: config.STAFF_LOGIN_MAX_PER_USER_ADDRESS,
    maxPerIp: config.STAFF_LOGIN_MAX_PER_IP,
    knownAddressMs: config.STAFF_LOGIN_KNOWN_ADDRESS_DAYS * 86400_000,
  });
  const audit = new AuditLog(storage.audit);
  const accounts = new StaffAccounts({
    staffUsers: storage.staffUsers,
    limiter,
    audit,
    jwtSecret: config.JWT_SECRET,
    tokenTtlSeconds: config.STAFF_TOKEN_TTL_SECONDS,
  });
  const tills = new TillService({ tills: storage.tills });
  const pos = new PosService({
    orders: storage.orders,
    tills,
    requireTill: config.POS_REQUIRE_TILL,
    gateway,
    currency: config.CURRENCY,
    logger,
    pollMs: config.POS_POLL_SCHEDULE_MS,
  });
  const staffOrders = new StaffOrders({
    orders: storage.orders,
    paymentEvents: storage.paymentEvents,
    refundEvents: storage.refundEvents,
    refunds,
    refundRecords: storage.refunds,
    audit,
    gateway,
  });
  const reconciliation = new Reconciliation({ orders: storage.orders, refunds: storage.refunds, gateway, currency: config.CURRENCY });
  const daily = new DailyReconciliation({
    days: storage.reconciliation,
    orders: storage.orders,
    refunds: storage.refunds,
    gateway,
    currency: config.CURRENCY,
    lookbackDays: config.RECONCILE_LOOKBACK_DAYS,
    firstAttemptHour: config.RECONCILE_FIRST_ATTEMPT_HOUR,
    retryMs: config.RECONCILE_RETRY_SECONDS * 1000,
    claimMs: config.JOB_CLAIM_SECONDS * 1000,
    maxAttempts: config.RECONCILE_MAX_ATTEMPTS,
    discovery,
  });
  const refundLookup: RefundLookup = async (ids) => new Map([...(await refunds.forOrders(ids))].map(([k, v]) => [k, v.map(toRefundView)]));

  const requireCustomer = customerAuth(config.JWT_SECRET);
  const clientConfig: ClientConfig = {
    currency: config.CURRENCY as CurrencyCode,
    sandbox: config.SANDBOX,
    merchantName: config.MERCHANT_NAME,
    maxQuantityPerItem: config.MAX_QUANTITY_PER_ITEM,
    maxItemsPerOrder: config.MAX_ITEMS_PER_ORDER,
  };
  const plugins: Router[] = config.SANDBOX
    ? sandboxPlugin({
        orders,
        requireCustomer,
        sandboxBaseUrl: config.WECHATPAY_BASE_URL,
        wechatApiBaseUrl: config.WECHAT_API_BASE_URL,
        appid: miniProgramAppid(config),
        timeoutMs: config.WECHATPAY_TIMEOUT_MS,
      })
    : [];
  if (config.METRICS_TOKEN) plugins.push(metricsRoutes(metrics, config.METRICS_TOKEN));

  const app = createApp({
    logger,
    trustProxy: config.TRUST_PROXY,
    database: parts.database,
    readinessChecks: parts.readinessChecks ?? { certificates: () => gateway.ready() },
    limits: {
      bodyLimitKb: config.BODY_LIMIT_KB,
      bodyTimeoutMs: config.BODY_TIMEOUT_MS,
      orderRate: { burst: config.CUSTOMER_ORDER_BURST, perSecond: config.CUSTOMER_ORDERS_PER_MINUTE / 60 },
      hstsMaxAgeSeconds: config.HSTS_MAX_AGE_SECONDS,
      maxQuantityPerItem: config.MAX_QUANTITY_PER_ITEM,
      maxItemsPerOrder: config.MAX_ITEMS_PER_ORDER,
      admission: { writes: config.ADMISSION_WRITES, reads: config.ADMISSION_READS, notifications: config.ADMISSION_NOTIFICATIONS },
    },
    services: {
      clientConfig,
      catalog: new CatalogService(storage.catalog, config.CURRENCY),
      customerLogin: new CustomerLogin({
        customers: storage.customers,
        jwtSecret: config.JWT_SECRET,
        ttlSeconds: config.CUSTOMER_TOKEN_TTL_SECONDS,
        wechat: {
          baseUrl: config.WECHAT_API_BASE_URL,
          appid: miniProgramAppid(config),
          secret: config.WECHAT_APP_SECRET,
          timeoutMs: config.WECHATPAY_TIMEOUT_MS,
        },
      }),
      orders,
      refundLookup,
      handlePaymentNotification: observeNotifications('transaction', gateway, metrics.events, (gw, headers, raw, log) =>
        handlePaymentNotification(
          { orders: storage.orders, paymentEvents: storage.paymentEvents, gateway: gw, logger, settlements },
          headers,
          raw,
          log,
        ),
      ),
      handleRefundNotification: observeNotifications('refund', gateway, metrics.events, (gw, headers, raw, log) =>
        handleRefundNotification(
          { refundRecords: storage.refunds, refundEvents: storage.refundEvents, refunds, gateway: gw, orders: storage.orders, discovery },
          headers,
          raw,
          log,
        ),
      ),
      requireCustomer,
      staff: {
        accounts,
        orders: staffOrders,
        refunds,
        discovery,
        pos,
        tills,
        audit,
        reconcile: (date, store) => reconciliation.day(date, store),
        daily,
        settlements: (q) => querySettlements(gateway, q),
        reports: { source: storage.reports, currency: config.CURRENCY },
        requireStaff: staffAuth(config.JWT_SECRET, (username) => accounts.active(username)),
      },
    },
    plugins,
    observe: { middleware: httpMetrics(metrics), admission: metrics.watchPool },
  });

  const claimSeconds = config.JOB_CLAIM_SECONDS;
  const jobs: Job[] = [
    {
      name: 'pending-orders',
      intervalMs: config.JOBS_INTERVAL_MS,
      run: () =>
        runPendingOrders({
          orderRecords: storage.orders,
          orders,
          owner,
          scheduleSeconds: schedule,
          claimSeconds,
          batchSize: config.JOB_BATCH_SIZE,
          logger,
        }),
    },
    {
      name: 'expired-orders',
      intervalMs: config.JOBS_INTERVAL_MS,
      run: () =>
        runExpiredOrders({
          orderRecords: storage.orders,
          orders,
          gateway,
          owner,
          claimSeconds,
          retrySeconds: schedule[schedule.length - 1] ?? 60,
          batchSize: config.JOB_BATCH_SIZE,
          logger,
        }),
    },
    refundSyncJob({ refundRecords: storage.refunds, refunds, owner, intervalMs: config.JOBS_INTERVAL_MS }),
  ];
  if (config.RECONCILE_ENABLED) {
    const job = dailyReconciliationJob({ daily, owner, intervalMs: config.JOBS_INTERVAL_MS });
    jobs.push({
      ...job,
      // After each pass the gauge shows the newest reconciled day's differences (alerting: docs/backend.md).
      run: async () => {
        const result = await job.run();
        metrics.setReconciliationDifferences((await daily.differencesOfLastDay())?.differences ?? 0);
        return result;
      },
    });
  }
  return { app, jobs: jobs.map((j) => instrumentJob(j, metrics)), orders, refunds, accounts, pos, daily, metrics };
}
