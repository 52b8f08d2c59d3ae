// `npm run bench [-- NAME] [--json FILE]`: runs every bench/*.bench.ts (or those whose name contains NAME) in
// turn, each in its own process so one cannot warm up another. `--json FILE` is passed on: the orders bench
// writes its figures there.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const passOn = jsonAt >= 0 ? args.slice(jsonAt, jsonAt + 2) : [];
const only = args.find((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1));
const files = readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)))
  .sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== ${file} ===\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, file), ...passOn], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`${file} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
