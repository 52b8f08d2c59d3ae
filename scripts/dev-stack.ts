// The local stack for `npm run dev`: a MongoDB-protocol database, then the backend, until Ctrl-C.
// Every child is stopped on exit; the database is tied to this process even if it is killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { databaseUri, startLocalMongo } from '../server/src/db/local-server';

const root = join(__dirname, '..');

export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

function startNode(entry: string, env: NodeJS.ProcessEnv, name: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry)], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout?.on('data', (b: Buffer) => process.stdout.write(b.toString().replace(/^/gm, `[${name}] `)));
  return child;
}

export async function runDevStack(_args: string[]): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const db = await startLocalMongo({ log: (m) => console.log(m) });
  console.log(`database (${db.kind}) at ${db.uri}`);
  const fileEnv = readEnvFile(join(root, '.dev', 'backend.env'));
  const backend = startNode(
    'server/src/main.ts',
    { ...process.env, ...fileEnv, MONGODB_URI: databaseUri(db.uri, 'wxpay_dev'), PORT: String(port), HOST: '127.0.0.1' },
    'backend',
  );
  const children = [backend];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await db.stop();
    process.exit(code);
  };
  backend.once('exit', (code) => void stop(code ?? 1));
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  console.log(`backend: http://127.0.0.1:${port}  (health: curl http://127.0.0.1:${port}/healthz)`);
  console.log('Ctrl-C stops everything.');
}
