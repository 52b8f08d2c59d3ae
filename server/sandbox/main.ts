// `npm run sandbox`: the local WeChat Pay Global (and jscode2session) on one port.
// Config: SANDBOX_CONFIG or .dev/sandbox.json (`npm run keys` makes it). Database: SANDBOX_MONGODB_URI,
// else MONGODB_URI's server with a `wechatpay_sandbox` database, else a throwaway local one.
import mongoose from 'mongoose';
import pino from 'pino';
import { startLocalMongo, databaseUri, type LocalMongo } from '../../tools/localdb/server';
import { createSandboxApp } from './app';
import { loadSandboxConfig, SandboxConfigError } from './config';

async function main(): Promise<void> {
  const log = pino({ name: 'sandbox', level: process.env.SANDBOX_LOG_LEVEL ?? 'info' });
  const config = loadSandboxConfig();
  let local: LocalMongo | undefined;
  let uri = process.env.SANDBOX_MONGODB_URI;
  if (!uri && process.env.MONGODB_URI) uri = databaseUri(process.env.MONGODB_URI, 'wechatpay_sandbox');
  if (!uri) {
    local = await startLocalMongo({ log: (m) => log.info(m) });
    uri = databaseUri(local.uri, 'wechatpay_sandbox');
    log.warn('SANDBOX_MONGODB_URI is not set: using a throwaway local database (lost when the sandbox stops)');
  }
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
  const app = await createSandboxApp({ config, connection, log });
  const host = process.env.SANDBOX_HOST ?? '127.0.0.1';
  const port = Number(process.env.SANDBOX_PORT ?? 8787);
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  app.sandbox.start();
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  log.info(
    {
      url: `http://${host}:${actual}`,
      timeScale: config.settings.timeScale,
      merchants: config.merchants.map((m) => `${m.mchid} (${m.mode})`),
    },
    'sandbox listening',
  );
  // A machine-readable line for process supervisors and tests.
  process.stdout.write(`SANDBOX_READY ${JSON.stringify({ port: actual, host })}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    await app.sandbox.stop();
    await connection.close();
    await local?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err) => {
  if (err instanceof SandboxConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`sandbox failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
