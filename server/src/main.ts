// The backend process: configuration -> database -> storage -> WeChat Pay gateway -> composeBackend -> listen,
// jobs. Exits non-zero with a clear message on bad configuration, and shuts down gracefully on SIGINT/SIGTERM
// (stop the jobs, stop accepting, finish requests, close the database).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { composeBackend } from './compose';
import { ConfigError, loadConfig } from './config';
import { createPaymentGateway } from './gateway/wechatpay-gateway';
import { createLimitedServer, serverLimitsFrom } from './http/server-limits';
import { JobRunner } from './jobs/runner';
import { createLogger } from './logger';
import { metricsListener } from './metrics/http';
import { connectDatabase, createMongoStorage, databaseState, pingDatabase } from './storage/mongo';

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
  const storage = createMongoStorage(db);
  await storage.init();
  const gateway = createPaymentGateway(config);
  // Platform certificates: fetched now so the first notification does not wait; /readyz reports them.
  await gateway.client.certificates
    ?.refresh()
    .catch((err: Error) => logger.warn({ err: { message: err.message } }, 'platform certificates not available yet'));

  const backend = composeBackend({
    config,
    storage,
    gateway,
    logger,
    owner,
    database: { ping: () => pingDatabase(db), state: () => databaseState(db) },
    newestCertificate: () => newest(gateway.client.certificates?.list() ?? []),
  });
  // Timeouts and the per-IP connection cap: see http/server-limits.ts (and BODY_TIMEOUT_MS in http/body.ts).
  const { server } = createLimitedServer(backend.app.callback(), serverLimitsFrom(config));

  const runner = new JobRunner(storage.leases, owner, logger);
  for (const job of backend.jobs) runner.add(job);

  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  // METRICS_ADDR: GET /metrics on its own listener (a private address the scraper reaches).
  let metricsServer: ReturnType<typeof createServer> | undefined;
  if (config.METRICS_ADDR) {
    const at = config.METRICS_ADDR.lastIndexOf(':');
    const host = config.METRICS_ADDR.slice(0, at).replace(/^\[(.*)\]$/, '$1');
    metricsServer = createServer(metricsListener(backend.metrics, config.METRICS_TOKEN));
    await new Promise<void>((resolve) => metricsServer?.listen(Number(config.METRICS_ADDR?.slice(at + 1)), host, resolve));
    const m = metricsServer.address();
    process.stdout.write(`METRICS LISTENING ${typeof m === 'object' && m ? m.port : ''}\n`);
  }
  if (config.JOBS_ENABLED) runner.start();
  logger.info(
    { port, host: config.HOST, instance: owner, sandbox: config.SANDBOX, wechatpay: config.WECHATPAY_BASE_URL },
    'backend listening',
  );
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
    metricsServer?.close();
    gateway.client.close();
    await db.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** The platform certificate with the latest notAfter, or undefined when there are none. */
function newest<C extends { notAfter: Date }>(certs: C[]): C | undefined {
  return certs.reduce<C | undefined>((a, c) => (!a || c.notAfter > a.notAfter ? c : a), undefined);
}

main().catch((err) => {
  process.stderr.write(`backend failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
