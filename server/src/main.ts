// Composition root: config -> database -> WeChat Pay gateway -> services -> http + jobs. Exits non-zero with a
// clear message on bad configuration, and shuts down gracefully on SIGINT/SIGTERM (stop the jobs, stop
// accepting, finish requests, close the database).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { ConfigError, loadConfig } from './config';
import { connectDatabase } from './db/connection';
import { OrderService } from './domain/order-service';
import { noRefunds, type RefundLookup } from './domain/order-view';
import { createApp } from './http/app';
import { runExpiredOrders } from './jobs/expired-orders';
import { runPendingOrders } from './jobs/pending-orders';
import { JobRunner } from './jobs/runner';
import { createLogger } from './logger';
import { customerModel } from './models/customer';
import { orderModel } from './models/order';
import { paymentEventModel } from './models/payment-event';
import { productModel } from './models/product';
import { createPaymentGateway } from './payment-gateway';
import { createStaffSide } from './http/routes/admin/compose';
import type Router from '@koa/router';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const owner = config.INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const db = await connectDatabase(config.MONGODB_URI);
  const gateway = createPaymentGateway(config);
  const Order = orderModel(db);
  const Product = productModel(db);
  const Customer = customerModel(db);
  const PaymentEvent = paymentEventModel(db);
  await Promise.all([Order.init(), Product.init(), Customer.init(), PaymentEvent.init()]);
  const schedule = config.PENDING_QUERY_SCHEDULE_SECONDS;
  const orders = new OrderService({
    Order,
    Product,
    gateway,
    currency: config.CURRENCY,
    orderTtlSeconds: config.ORDER_TTL_SECONDS,
    firstSyncSeconds: schedule[0] ?? 30,
    syncStaleSeconds: config.ORDER_SYNC_STALE_SECONDS,
    logger,
  });

  // Platform certificates: fetched now so the first notification does not wait; /readyz reports them.
  await gateway.client.certificates?.refresh().catch((err: Error) => logger.warn({ err: { message: err.message } }, 'platform certificates not available yet'));

  // ---- staff side (refunds, admin API, refund notifications) registers here ----
  const staff = createStaffSide({
    db,
    config,
    gateway,
    logger,
    owner,
    loginLimits: { windowMs: config.STAFF_LOGIN_WINDOW_SECONDS * 1000, maxPerUser: config.STAFF_LOGIN_MAX_PER_USER, maxPerIp: config.STAFF_LOGIN_MAX_PER_IP },
    refundRetryDelaysMs: config.REFUND_RETRY_SCHEDULE_SECONDS.map((s) => s * 1000),
    refundProcessingCheckMs: config.REFUND_PROCESSING_CHECK_SECONDS * 1000,
    refundSyncIntervalMs: config.JOBS_INTERVAL_MS,
    posPollMs: config.POS_POLL_SCHEDULE_MS,
  });
  await staff.init();
  const refunds: RefundLookup = staff.refundLookup ?? noRefunds;
  const rawRoutes: Router[] = [...staff.rawRoutes];
  const apiRoutes: Router[] = [...staff.apiRoutes];

  const app = createApp({
    db,
    logger,
    readinessChecks: { certificates: () => gateway.ready() },
    services: { config, gateway, orders, Order, Product, Customer, PaymentEvent, refunds },
    rawRoutes,
    apiRoutes,
  });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 30_000;

  const runner = new JobRunner(db, owner, logger);
  const claimSeconds = config.JOB_CLAIM_SECONDS;
  runner.add({
    name: 'pending-orders',
    intervalMs: config.JOBS_INTERVAL_MS,
    run: () => runPendingOrders({ Order, orders, owner, scheduleSeconds: schedule, claimSeconds, batchSize: config.JOB_BATCH_SIZE, logger }),
  });
  runner.add({
    name: 'expired-orders',
    intervalMs: config.JOBS_INTERVAL_MS,
    run: () =>
      runExpiredOrders({ Order, orders, gateway, owner, claimSeconds, retrySeconds: schedule[schedule.length - 1] ?? 60, batchSize: config.JOB_BATCH_SIZE, logger }),
  });
  // ---- staff side jobs (refund sync) register here with runner.add(...) ----
  for (const job of staff.jobs) runner.add(job);

  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  if (config.JOBS_ENABLED) runner.start();
  logger.info({ port, host: config.HOST, instance: owner, sandbox: config.SANDBOX, wechatpay: config.WECHATPAY_BASE_URL }, 'backend listening');
  // Machine-readable line for process supervisors and tests that start the backend on port 0.
  process.stdout.write(`LISTENING ${port}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await runner.stop();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections?.();
    });
    gateway.client.close();
    await db.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`backend failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
