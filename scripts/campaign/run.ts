// `npm run campaign`: the reliability campaign against the real stack (sandbox + backend + database as
// processes on loopback). Bounded in time: each scenario has a budget and the whole run a hard deadline, after
// which it stops itself. One line of figures per scenario; exit 1 when an invariant breaks, 3 on the deadline.
//
//   npm run campaign                 every scenario, full size
//   npm run campaign -- --short      the short version (same invariants, smaller numbers)
//   npm run campaign -- --only 1,3   some scenarios
//   options: --seed N (malformed inputs, shuffles), --deadline-minutes M, --json FILE (figures as JSON)
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { startCampaignStack } from './lib/start-stack';
import { formatLine, type Scenario, type ScenarioResult } from './lib/scenario';
import { SCENARIOS } from './scenarios';

interface Args {
  short: boolean;
  only?: number[];
  seed: number;
  deadlineMinutes: number;
  json?: string;
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { short: false, seed: 20261123, deadlineMinutes: 0, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--short') args.short = true;
    else if (a === '--only')
      args.only = value()
        .split(',')
        .map((s) => Number(s.trim()));
    else if (a === '--seed') args.seed = Number(value());
    else if (a === '--deadline-minutes') args.deadlineMinutes = Number(value());
    else if (a === '--json') args.json = value();
    else if (a === '--verbose' || a === '-v') args.verbose = true;
    else throw new Error(`unknown option ${a} (see the header of scripts/campaign/run.ts)`);
  }
  if (args.only?.some((n) => !Number.isInteger(n))) throw new Error('--only takes scenario numbers, e.g. --only 1,3');
  if (!Number.isFinite(args.seed)) throw new Error('--seed takes a number');
  return args;
}

export function machineLine(): string {
  const cpu = cpus();
  return `machine: ${cpu.length} cpu (${cpu[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, ${process.platform}/${process.arch}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join('/')} at start`;
}

export interface CampaignOutcome {
  results: { id: number; name: string; ms: number; result: ScenarioResult }[];
  failed: boolean;
}

/** Runs `scenarios` one after another on one stack; never throws for a scenario's failure. */
export async function runCampaign(
  scenarios: Scenario[],
  opts: { short: boolean; seed: number; print: (line: string) => void; verbose?: boolean },
): Promise<CampaignOutcome> {
  const outcome: CampaignOutcome = { results: [], failed: false };
  const stack = await startCampaignStack();
  try {
    for (const s of scenarios) {
      const budget = s.budgetMs(opts.short);
      const started = performance.now();
      const deadline = Date.now() + budget;
      let timer: NodeJS.Timeout | undefined;
      const overrun = new Promise<ScenarioResult>((resolve) => {
        timer = setTimeout(() => resolve({ figures: {}, violations: [`did not finish within its budget of ${budget / 1000} s`] }), budget);
      });
      let result: ScenarioResult;
      try {
        result = await Promise.race([
          s.run({ stack, short: opts.short, seed: opts.seed, deadline, log: (m) => opts.verbose && opts.print(`  ${m}`) }),
          overrun,
        ]);
      } catch (err) {
        result = { figures: {}, violations: [], incomplete: `setup failed: ${(err as Error).message.split('\n')[0]!.slice(0, 300)}` };
      } finally {
        clearTimeout(timer);
      }
      const ms = performance.now() - started;
      opts.print(formatLine(s, result, ms));
      for (const v of result.violations) opts.print(`    violation: ${v}`);
      outcome.results.push({ id: s.id, name: s.name, ms, result });
      if (result.violations.length || result.incomplete) outcome.failed = true;
      // An overrunning scenario keeps loading the stack: the ones after it would measure noise.
      if (Date.now() > deadline) {
        opts.print('campaign: a scenario overran its budget; the remaining ones are skipped');
        break;
      }
    }
  } finally {
    // A scenario that overran its budget may still have requests in flight: do not wait on it forever.
    await Promise.race([stack.stop(), new Promise((r) => setTimeout(r, 30_000).unref())]);
  }
  return outcome;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const chosen = SCENARIOS.filter((s) => !args.only || args.only.includes(s.id));
  const unknown = (args.only ?? []).filter((n) => !SCENARIOS.some((s) => s.id === n));
  if (unknown.length) throw new Error(`no scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  // Hard stop: the sum of the budgets plus start-up, unless given.
  const minutes = args.deadlineMinutes || Math.ceil((chosen.reduce((a, s) => a + s.budgetMs(args.short), 0) + 120_000) / 60_000);
  const hardStop = setTimeout(() => {
    process.stdout.write(`campaign: deadline of ${minutes} min reached, stopping\n`);
    process.exit(3);
  }, minutes * 60_000);
  hardStop.unref();
  process.stdout.write(
    `campaign ${args.short ? 'short' : 'full'}: scenarios ${chosen.map((s) => s.id).join(',')}, seed ${args.seed}, deadline ${minutes} min\n${machineLine()}\n`,
  );
  const started = Date.now();
  const outcome = await runCampaign(chosen, {
    short: args.short,
    seed: args.seed,
    print: (l) => process.stdout.write(`${l}\n`),
    verbose: args.verbose,
  });
  if (args.json)
    writeFileSync(args.json, JSON.stringify({ machine: machineLine(), short: args.short, seed: args.seed, ...outcome }, null, 2));
  process.stdout.write(`campaign ${outcome.failed ? 'FAILED' : 'PASSED'} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  process.exit(outcome.failed ? 1 : 0);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`campaign: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  });
}
