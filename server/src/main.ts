// Composition root: config -> database -> http. Exits non-zero with a clear message on bad configuration,
// and shuts down gracefully on SIGINT/SIGTERM (stop accepting, finish requests, close the database).
import { createServer } from 'node:http';
import { ConfigError, loadConfig } from './config';
import { connectDatabase } from './db/connection';
import { createApp } from './http/app';
import { createLogger } from './logger';

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
  const db = await connectDatabase(config.MONGODB_URI);
  const app = createApp({ db, logger });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  logger.info({ port, host: config.HOST }, 'backend listening');
  // Machine-readable line for process supervisors and tests that start the backend on port 0.
  process.stdout.write(`LISTENING ${port}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
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
