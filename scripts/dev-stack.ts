// The local stack for `npm run dev`: dev keys (generated into .dev/ on first run), a MongoDB-protocol database,
// the WeChat Pay Global sandbox, the backend against it, the catalog and one staff admin; then it prints how to
// open the Mini Program in WeChat DevTools and how to log in as staff. Ctrl-C stops everything; the database
// is tied to this process even if it is killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { databaseUri, startLocalMongo } from '../tools/localdb/server';
import { generateDevKeys } from '../server/sandbox/keys/generate-dev-keys';
import { buildMiniprogram } from './build-miniprogram';
import { createStaff } from './create-staff';
import { seedCatalog } from './seed-catalog';

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

/** Starts a TypeScript entry with tsx; resolves once `readyLine` shows on its stdout. Output is prefixed. */
function startNode(entry: string, env: NodeJS.ProcessEnv, name: string, readyLine: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (b: Buffer) => b.toString().replace(/^(?=.)/gm, `[${name}] `);
  child.stderr?.on('data', (b: Buffer) => process.stderr.write(prefix(b)));
  return new Promise((resolve, reject) => {
    let ready = false;
    child.stdout?.on('data', (b: Buffer) => {
      process.stdout.write(prefix(b));
      if (!ready && readyLine.test(b.toString())) {
        ready = true;
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      if (!ready) reject(new Error(`${name} exited with code ${code} before it was ready`));
    });
  });
}

export async function runDevStack(_args: string[]): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const sandboxPort = Number(process.env.SANDBOX_PORT ?? 8787);
  const devDir = join(root, '.dev');
  const firstRun = !existsSync(join(devDir, 'sandbox.json'));
  if (firstRun) console.log('generating dev keys into .dev/ (first run)...');
  const keys = generateDevKeys(devDir);

  const db = await startLocalMongo({ log: (m) => console.log(m) });
  console.log(`database (${db.kind}) at ${db.uri}`);
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await db.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    const sandbox = await startNode(
      'server/sandbox/main.ts',
      {
        ...process.env,
        SANDBOX_CONFIG: keys.configPath,
        SANDBOX_MONGODB_URI: databaseUri(db.uri, 'wechatpay_sandbox'),
        SANDBOX_PORT: String(sandboxPort),
        SANDBOX_HOST: '127.0.0.1',
      },
      'sandbox',
      /SANDBOX_READY/,
    );
    children.push(sandbox);
    sandbox.once('exit', (code) => void stop(code ?? 1));

    const backendUrl = `http://127.0.0.1:${port}`;
    const mongoUri = databaseUri(db.uri, 'wxpay_dev');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...readEnvFile(keys.backendEnvPath),
      MONGODB_URI: mongoUri,
      PORT: String(port),
      HOST: '127.0.0.1',
      WECHATPAY_BASE_URL: sandboxUrl,
      WECHAT_API_BASE_URL: sandboxUrl,
      WECHATPAY_NOTIFY_BASE_URL: backendUrl,
      SANDBOX: 'true',
    };
    // The refund notification URL a merchant sets in the merchant platform: refunds made there are notified to it.
    const refundUrl = await fetch(`${sandboxUrl}/sandbox/merchants/${env.WECHATPAY_MCHID}/settings`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refundNotifyUrl: `${backendUrl}/wechatpay/notify/refunds` }),
    }).catch((err: unknown) => err as Error);
    if (refundUrl instanceof Error || !refundUrl.ok) console.warn("could not set the sandbox merchant's refund notification URL");
    await seedCatalog(mongoUri, env.CURRENCY ?? 'HKD');
    const password = randomBytes(12).toString('base64url');
    const staff = await createStaff(mongoUri, 'admin', password, 'admin', true);
    buildMiniprogram({ apiBaseUrl: backendUrl });

    const backend = await startNode('server/src/main.ts', env, 'backend', /^LISTENING \d+/m);
    children.push(backend);
    backend.once('exit', (code) => void stop(code ?? 1));

    const line = '-'.repeat(78);
    console.log(`
${line}
Running: backend ${backendUrl}  |  WeChat Pay sandbox ${sandboxUrl}  |  database ${db.kind}
Catalog seeded. Staff admin ${staff.created ? 'created' : 'password reset'} (shown once):
  console   ${backendUrl}/admin/
  username  admin
  password  ${password}

Mini Program in WeChat DevTools:
  1. Import project: choose this repository's folder (DevTools reads project.config.json;
     miniprogramRoot is miniprogram/). AppID: "touristappid" (test account) or your own.
  2. Allow the local backend over plain http: copy project.private.config.example.json to
     project.private.config.json (urlCheck: false), or tick Details > Local settings >
     "Do not verify valid domain names...".
  3. The Mini Program calls ${backendUrl} (miniprogram/generated/env.ts; change it with
     MINIPROGRAM_API_BASE_URL=... npm run build:miniprogram). In sandbox mode the pay step opens
     the sandbox cashier instead of WeChat's payment sheet.
Health: curl ${backendUrl}/healthz    Sandbox: ${sandboxUrl}/sandbox/health
Ctrl-C stops everything.
${line}`);
  } catch (err) {
    console.error(`dev stack failed: ${(err as Error).message}`);
    await stop(1);
  }
}
