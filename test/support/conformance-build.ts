// Builds the official-SDK conformance program (test/conformance, Go) once into .tools/bin, like FerretDB in
// tools/localdb/server.ts: a stamp beside the binary holds the hash of the program's sources (go.mod,
// go.sum, *.go), so it is rebuilt only when they change. Go comes from PATH or /usr/local/go/bin; the SDK
// from the Go module proxy (pinned in go.mod / go.sum).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
export const CONFORMANCE_SRC = join(ROOT, 'test', 'conformance');
export const CONFORMANCE_BIN = join(ROOT, '.tools', 'bin', 'wechatpay-conformance');

function sourceStamp(): string {
  const h = createHash('sha256');
  const files = readdirSync(CONFORMANCE_SRC)
    .filter((n) => n === 'go.mod' || n === 'go.sum' || n.endsWith('.go'))
    .sort();
  for (const f of files) h.update(`${f}\n`).update(readFileSync(join(CONFORMANCE_SRC, f)));
  return h.digest('hex');
}

export interface ConformanceBuild {
  bin: string;
  built: boolean;
  ms: number;
}

/** The program, built if missing or stale. Throws with Go's output when Go is missing or the build fails. */
export function ensureConformanceBinary(log: (m: string) => void = () => {}): ConformanceBuild {
  const stamp = sourceStamp();
  const stampFile = `${CONFORMANCE_BIN}.stamp`;
  if (existsSync(CONFORMANCE_BIN) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) {
    return { bin: CONFORMANCE_BIN, built: false, ms: 0 };
  }
  const goDir = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin' : undefined;
  const env = { ...process.env, PATH: [process.env.PATH, goDir].filter(Boolean).join(':'), GOFLAGS: '-buildvcs=false' };
  if (spawnSync('sh', ['-c', 'command -v go'], { env }).status !== 0) {
    throw new Error('The SDK conformance test needs Go 1.22+ on PATH (or in /usr/local/go/bin) to build test/conformance.');
  }
  log('building the wechatpay-go conformance program into .tools/bin (once per source change)...');
  mkdirSync(join(ROOT, '.tools', 'bin'), { recursive: true });
  const started = Date.now();
  const tmp = `${CONFORMANCE_BIN}.${process.pid}.tmp`;
  const r = spawnSync('go', ['build', '-mod=readonly', '-o', tmp, '.'], { cwd: CONFORMANCE_SRC, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`go build of test/conformance failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  // rename is atomic: a concurrent run sees the old binary or the new one, never half of one.
  renameSync(tmp, CONFORMANCE_BIN);
  writeFileSync(stampFile, `${stamp}\n`);
  return { bin: CONFORMANCE_BIN, built: true, ms: Date.now() - started };
}
