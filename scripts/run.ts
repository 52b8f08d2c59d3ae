// `npm test` and `npm run dev`. One entry so both share the database and process handling.
//   test: type-check server and Mini Program, lint (ESLint + Prettier check), then every jest test (one runner, one summary).
//   dev:  database + sandbox + backend (see scripts/dev-stack.ts), stopped together with Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runDevStack } from './dev-stack';

const root = join(__dirname, '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function test(extra: string[]): Promise<number> {
  const checks: [string, string[]][] = [['server', ['-p', 'tsconfig.json', '--noEmit']]];
  if (existsSync(join(root, 'miniprogram', 'tsconfig.json'))) checks.push(['miniprogram', ['-p', 'miniprogram/tsconfig.json', '--noEmit']]);
  if (existsSync(join(root, 'server', 'console', 'tsconfig.json')))
    checks.push(['console', ['-p', 'server/console/tsconfig.json', '--noEmit']]);
  for (const [name, args] of checks) {
    process.stdout.write(`\n> type-check (${name})\n`);
    const code = await run(bin('tsc'), args);
    if (code !== 0) {
      process.stdout.write(`type-check (${name}) failed\n`);
      return code;
    }
  }
  // Lint: the two commands of `npm run lint` (ESLint, then Prettier's check), through the local binaries.
  const lints: [string, string, string[]][] = [
    ['eslint', 'eslint', ['.']],
    ['prettier', 'prettier', ['--check', '.']],
  ];
  for (const [name, cmd, args] of lints) {
    process.stdout.write(`\n> lint (${name})\n`);
    const code = await run(bin(cmd), args);
    if (code !== 0) {
      process.stdout.write(`lint (${name}) failed: \`npm run format\` fixes formatting and what ESLint can fix\n`);
      return code;
    }
  }
  if (existsSync(join(root, 'test', 'console'))) {
    const code = await run('bash', [join(root, 'scripts', 'ensure-chromium.sh')]);
    if (code !== 0) return code;
  }
  process.stdout.write('\n> jest\n');
  return run(bin('jest'), ['--ci', ...extra]);
}

async function main(): Promise<void> {
  const [mode, ...extra] = process.argv.slice(2);
  if (mode === 'test') process.exit(await test(extra));
  if (mode === 'dev') {
    await runDevStack(extra);
    return;
  }
  process.stderr.write('usage: tsx scripts/run.ts test|dev\n');
  process.exit(2);
}

void main();
