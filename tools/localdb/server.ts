// Gives tests, the dev stack, the campaign and the benchmarks a MongoDB-protocol server: MONGODB_URI when set,
// else a `mongod` on PATH, else FerretDB (SQLite backend) built once into .tools/ with the Go toolchain.
// Local tooling only: nothing under server/src imports it (a test checks). The child is tied to this
// process (pdeathsig where available) so no database outlives the run, even after a SIGKILL of the parent.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startWriteSerializer } from './write-serializer';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
const TOOLS_BIN = join(PROJECT_ROOT, '.tools', 'bin');
const FERRETDB_BIN = join(TOOLS_BIN, 'ferretdb');
const BUILD_SCRIPT = join(__dirname, 'build-ferretdb.sh');

/** What the build needs to be: the build script says it (`--stamp`: FerretDB's version and the patches). */
function expectedStamp(): string {
  const r = spawnSync('bash', [BUILD_SCRIPT, '--stamp'], { encoding: 'utf8' });
  if (r.status !== 0) throw new LocalDatabaseError(`${BUILD_SCRIPT} --stamp failed: ${r.stderr}`);
  return r.stdout.trim();
}

function builtStamp(): string | undefined {
  try {
    return readFileSync(`${FERRETDB_BIN}.inputs`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export interface LocalMongo {
  uri: string;
  kind: 'external' | 'mongod' | 'ferretdb';
  /**
   * Commands received per database (`$db`) since start or the last reset; only where the write serializer
   * stands in front of the server (FerretDB), undefined otherwise.
   */
  commandCounts?: () => Record<string, number>;
  /** The same by `db command collection`. */
  commandsByKind?: () => Record<string, number>;
  resetCommandCounts?: () => void;
  stop(): Promise<void>;
}

export class LocalDatabaseError extends Error {
  override name = 'LocalDatabaseError';
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function onPath(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

/** Builds FerretDB into .tools/bin unless that exact build is there. Throws a clear error when Go is missing. */
export function ensureFerretDB(log: (msg: string) => void = () => {}): string {
  if (existsSync(FERRETDB_BIN) && builtStamp() === expectedStamp()) return FERRETDB_BIN;
  const goDir = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin' : undefined;
  const env = { ...process.env, PATH: [process.env.PATH, goDir].filter(Boolean).join(':') };
  if (spawnSync('sh', ['-c', 'command -v go'], { env }).status !== 0) {
    throw new LocalDatabaseError(
      'No MongoDB-compatible database available: set MONGODB_URI, put `mongod` on PATH, or install Go 1.22+ ' +
        'so FerretDB can be built into .tools/bin.',
    );
  }
  log('building FerretDB 1.24.2 into .tools/bin (once; takes a minute or two)...');
  const r = spawnSync('bash', [BUILD_SCRIPT], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0 || !existsSync(FERRETDB_BIN)) {
    throw new LocalDatabaseError(`building FerretDB failed (tools/localdb/build-ferretdb.sh exited ${r.status})`);
  }
  return FERRETDB_BIN;
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolveWait, reject) => {
    let exited = false;
    child.once('exit', (code) => {
      exited = true;
      reject(new LocalDatabaseError(`database process exited early with code ${code}`));
    });
    const attempt = () => {
      if (exited) return;
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolveWait();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new LocalDatabaseError(`database did not listen on ${port} in ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/**
 * FerretDB's environment. Go's collector runs less often with GOGC=400 than at its default (100): under the
 * orders bench FerretDB's CPU per paid order was 6.05-6.73 ms against 7.24-7.51 (alternating runs on one
 * machine), for 131 MB of peak RSS against 107. `LOCALDB_GOGC` overrides it.
 */
function ferretdbEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOGC: process.env.LOCALDB_GOGC ?? '400' };
}

/** Spawns `cmd` so that it dies with this process where the platform allows (Linux setpriv --pdeathsig). */
function spawnTied(cmd: string, args: string[], logFile?: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const setpriv = onPath('setpriv');
  const [file, argv] = setpriv ? [setpriv, ['--pdeathsig', 'KILL', cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { stdio: ['ignore', 'ignore', logFile ? 'pipe' : 'ignore'], env });
  return child;
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () =>
    (stopped ??= new Promise<void>((done) => {
      const finish = () => {
        rmSync(dir, { recursive: true, force: true });
        done();
      };
      if (child.exitCode !== null || child.signalCode !== null) return finish();
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(kill);
        finish();
      });
      child.kill('SIGTERM');
    }));
}

export async function startLocalMongo(opts: { log?: (msg: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<LocalMongo> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  if (env.MONGODB_URI) {
    return { uri: env.MONGODB_URI, kind: 'external', stop: async () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), 'wxpay-db-'));
  const port = await freePort();
  const mongod = onPath('mongod');
  let child: ChildProcess;
  let kind: LocalMongo['kind'];
  if (mongod) {
    kind = 'mongod';
    child = spawnTied(mongod, ['--dbpath', dir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet']);
  } else {
    kind = 'ferretdb';
    const bin = ensureFerretDB(log);
    const data = join(dir, 'data');
    mkdirSync(data);
    child = spawnTied(
      bin,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${data}/?_pragma=synchronous(normal)`,
        `--listen-addr=127.0.0.1:${port}`,
        `--state-dir=${dir}`,
        '--telemetry=disable',
        process.env.LOCALDB_DEBUG_ADDR ? `--debug-addr=${process.env.LOCALDB_DEBUG_ADDR}` : '--debug-addr=127.0.0.1:0',
        '--log-level=error',
      ],
      undefined,
      ferretdbEnv(),
    );
  }
  const stopServer = stopper(child, dir);
  try {
    await waitForPort(port, child, 30000);
  } catch (err) {
    await stopServer();
    throw err;
  }
  if (kind === 'mongod') return { uri: `mongodb://127.0.0.1:${port}/`, kind, stop: stopServer };
  // FerretDB 1.x needs its writes serialized to keep MongoDB's single-document atomicity (write-serializer.ts).
  const proxy = await startWriteSerializer(port);
  const stop = async () => {
    await proxy.close();
    await stopServer();
  };
  return {
    uri: `mongodb://127.0.0.1:${proxy.port}/`,
    kind,
    commandCounts: () => proxy.commandCounts(),
    commandsByKind: () => proxy.commandsByKind(),
    resetCommandCounts: () => proxy.resetCommandCounts(),
    stop,
  };
}

/** The URI of database `name` on the server at `baseUri` (which may already name a database). */
export function databaseUri(baseUri: string, name: string): string {
  const u = new URL(baseUri);
  u.pathname = `/${name}`;
  return u.toString();
}
