// The Prometheus alert rules (ops/prometheus/alerts.yml) pass `promtool check rules` and their unit tests
// (`promtool test rules ops/prometheus/alerts.test.yml`). promtool is built once into .tools/bin by
// tools/promtool/build.sh (a cold build takes several minutes; later runs find the stamped binary).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const PROMTOOL = resolve(ROOT, '.tools', 'bin', 'promtool');
const RULES = resolve(ROOT, 'ops', 'prometheus');

function run(cmd: string, args: string[], cwd = ROOT, timeout = 60_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

beforeAll(() => {
  const built = run('bash', [resolve(ROOT, 'tools', 'promtool', 'build.sh')], ROOT, 40 * 60_000);
  if (built.status !== 0) throw new Error(`building promtool failed:\n${built.out}`);
}, 40 * 60_000);

test('promtool check rules: the alert rules are valid', () => {
  const r = run(PROMTOOL, ['check', 'rules', 'alerts.yml'], RULES);
  expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
  expect(r.status).toBe(0);
});

test('promtool test rules: every alert fires and clears as its unit tests say', () => {
  const r = run(PROMTOOL, ['test', 'rules', 'alerts.test.yml'], RULES);
  if (r.status !== 0) throw new Error(r.out);
  expect(r.out).toMatch(/SUCCESS/);
});
