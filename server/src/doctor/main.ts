// `wxpay doctor [--json] [--no-db]`: the go-live checks (see checks.ts) printed one per line, ok or what is
// wrong and how to fix it. Exit status 0 only when no check failed (warnings and skipped checks pass).
import { CHECK_IDS, runDoctor, type CheckResult } from './checks';

const LABEL: Record<CheckResult['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

export function formatReport(results: CheckResult[]): string {
  const width = Math.max(...CHECK_IDS.map((id) => id.length));
  const lines = results.map((r) => {
    let line = `${LABEL[r.status]}  ${r.id.padEnd(width)}  ${r.message}`;
    if (r.fix && (r.status === 'fail' || r.status === 'warn')) line += `\n${' '.repeat(width + 8)}fix: ${r.fix}`;
    return line;
  });
  const count = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
  lines.push('', `${count('ok')} ok, ${count('warn')} warning(s), ${count('fail')} failed, ${count('skip')} skipped`);
  return lines.join('\n') + '\n';
}

export async function doctorMain(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const unknown = argv.filter((a) => !['--json', '--no-db'].includes(a));
  if (argv.includes('--help') || argv.includes('-h')) {
    out(
      "usage: wxpay doctor [--json] [--no-db]\nReads the backend's environment (WECHATPAY_*, MONGODB_URI, ...) and checks it against WeChat Pay and the database.\n",
    );
    return 0;
  }
  if (unknown.length) {
    process.stderr.write(`wxpay doctor: unknown option ${unknown[0]} (usage: wxpay doctor [--json] [--no-db])\n`);
    return 2;
  }
  const results = await runDoctor(env, { skipDatabase: argv.includes('--no-db') });
  out(
    argv.includes('--json')
      ? JSON.stringify({ ok: !results.some((r) => r.status === 'fail'), checks: results }, null, 2) + '\n'
      : formatReport(results),
  );
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
