// The whole project through miniprogram-ci's compiler (what DevTools runs: TypeScript plugin, Babel,
// wcc, wcsc), offline, from a copy holding only what DevTools would see.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { buildMiniprogram } from '../../scripts/build-miniprogram';
import { MP_ROOT, REPO_ROOT } from './support/paths';

let compiled: Record<string, string>;
let work: string;

beforeAll(() => {
  buildMiniprogram({ apiBaseUrl: process.env.MINIPROGRAM_API_BASE_URL });
  work = mkdtempSync(join(tmpdir(), 'mp-ci-'));
  cpSync(join(REPO_ROOT, 'project.config.json'), join(work, 'project.config.json'));
  cpSync(MP_ROOT, join(work, 'miniprogram'), { recursive: true });
  const outJson = join(work, 'compiled.json');
  const run = spawnSync(process.execPath, [join(__dirname, 'support', 'ci-compile.js'), work, outJson], {
    encoding: 'utf8',
    timeout: 240000,
  });
  if (run.status !== 0) throw new Error(`miniprogram-ci failed (${run.status}):\n${run.stderr}\n${run.stdout.slice(-4000)}`);
  compiled = JSON.parse(readFileSync(outJson, 'utf8')) as Record<string, string>;
}, 300000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const app = JSON.parse(readFileSync(join(MP_ROOT, 'app.json'), 'utf8')) as { pages: string[] };

test('every page and component is compiled to JavaScript next to its template, style and config', () => {
  for (const base of [...app.pages, 'components/state-view/index', 'components/status-tag/index', 'app']) {
    for (const ext of base === 'app' ? ['.js', '.json', '.wxss'] : ['.js', '.json', '.wxml', '.wxss']) {
      expect(Object.keys(compiled)).toContain(base + ext);
    }
  }
  expect(compiled['pages/result/index.js']).toMatch(/Component\(/);
});

test('no compiled file needs anything outside the Mini Program root (shared/ types were erased)', () => {
  const jsFiles = Object.keys(compiled).filter((f) => f.endsWith('.js'));
  expect(jsFiles.length).toBeGreaterThan(15);
  for (const file of jsFiles) {
    for (const m of compiled[file]!.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)) {
      const spec = m[1]!;
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      expect({ file, spec, escapes: target.startsWith('..') || spec.includes('shared/') }).toEqual({ file, spec, escapes: false });
    }
  }
});

test('the generated runtime copies are part of the package', () => {
  expect(compiled['generated/env.js']).toContain('API_BASE_URL');
  expect(compiled['generated/money.js']).toContain('CURRENCY_EXPONENT');
  expect(compiled['services/money.js']).toMatch(/generated\/money/);
});
