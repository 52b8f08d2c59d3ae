// What a campaign scenario is: a bounded run against the real stack that returns its figures and the
// invariant violations it saw. The runner prints one line per scenario and fails the run on any violation.
import type { CampaignStack } from './stack';

export interface ScenarioContext {
  stack: CampaignStack;
  /** The short version (inside `npm test`): same invariants, smaller numbers. */
  short: boolean;
  seed: number;
  /** Epoch ms after which the scenario must wrap up. */
  deadline: number;
  log(message: string): void;
}

export type Figures = Record<string, string | number>;

export interface ScenarioResult {
  figures: Figures;
  /** Each broken invariant, in words with the numbers. Empty means PASS. */
  violations: string[];
  /** Set when the scenario could not run to the end (a missing piece, the time budget). */
  incomplete?: string;
}

export interface Scenario {
  id: number;
  name: string;
  /** Wall-time budget in ms (short and full). */
  budgetMs(short: boolean): number;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

export class Invariants {
  readonly violations: string[] = [];

  /** Records a violation unless `ok`. */
  check(ok: boolean, message: string): void {
    if (!ok) this.violations.push(message);
  }

  equal(actual: number, expected: number, what: string): void {
    this.check(actual === expected, `${what}: expected ${expected}, got ${actual}`);
  }

  atMost(actual: number, max: number, what: string): void {
    this.check(actual <= max, `${what}: expected at most ${max}, got ${actual}`);
  }
}

export function formatFigures(f: Figures): string {
  return Object.entries(f)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function formatLine(s: Pick<Scenario, 'id' | 'name'>, r: ScenarioResult, ms: number): string {
  const verdict = r.violations.length ? 'FAIL' : r.incomplete ? 'INCOMPLETE' : 'PASS';
  const head = `[${s.id}] ${s.name.padEnd(20)} ${verdict.padEnd(10)}`;
  return `${head} ${formatFigures(r.figures)} time=${(ms / 1000).toFixed(1)}s${r.incomplete ? ` (${r.incomplete})` : ''}`;
}
