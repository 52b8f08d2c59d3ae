// Production code must not reach local tooling: the FerretDB stand-in and its write serializer (tools/), the
// npm runners, campaign and seeding (scripts/), tests and benchmarks. A stray import would ship the stand-in's
// workarounds into production, or let them shape it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
const PRODUCTION = join(ROOT, 'server', 'src');
const FORBIDDEN = ['tools', 'scripts', 'test', 'bench'];

/** Every module specifier in `source`: static and type imports, re-exports, side-effect imports, import(), require(). */
function specifiers(source: string): string[] {
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
  ];
  return patterns.flatMap((re) => [...source.matchAll(re)].map((m) => m[1]!));
}

/** The project folder outside production a specifier in `file` resolves into, or undefined. */
function forbiddenTarget(file: string, specifier: string): string | undefined {
  const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : resolve(ROOT, specifier);
  const rel = relative(ROOT, target);
  if (rel.startsWith('..')) return undefined; // a package or an absolute path outside the project
  const top = rel.split(sep)[0]!;
  // Bare specifiers are packages unless they name a project folder (e.g. a `paths` or baseUrl import).
  if (!specifier.startsWith('.') && !specifier.startsWith('/') && !FORBIDDEN.some((f) => specifier === f || specifier.startsWith(`${f}/`)))
    return undefined;
  return FORBIDDEN.includes(top) ? top : undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(c|m)?(t|j)sx?$/.test(e.name) ? [full] : [];
  });
}

test('the scanner finds imports of local tooling in every form', () => {
  const file = join(PRODUCTION, 'domain', 'x.ts');
  const src = [
    "import { startLocalMongo } from '../../../tools/localdb/server';",
    "import type { LocalMongo } from '../../../tools/localdb/server';",
    "export { freePort } from '../../../test/support/stack';",
    "import '../../../scripts/seed-catalog';",
    "const m = await import('../../../bench/run');",
    "const r = require('tools/localdb/write-serializer');",
    "import mongoose from 'mongoose';",
    "import { uniquely } from '../db/errors';",
  ].join('\n');
  const caught = specifiers(src)
    .filter((s) => forbiddenTarget(file, s))
    .sort();
  expect(caught).toEqual([
    '../../../bench/run',
    '../../../scripts/seed-catalog',
    '../../../test/support/stack',
    '../../../tools/localdb/server',
    '../../../tools/localdb/server',
    'tools/localdb/write-serializer',
  ]);
});

test('nothing under server/src imports tools/, scripts/, test/ or bench/', () => {
  const files = sourceFiles(PRODUCTION);
  expect(files.length).toBeGreaterThan(20);
  const offending = files.flatMap((file) =>
    specifiers(readFileSync(file, 'utf8'))
      .filter((s) => forbiddenTarget(file, s))
      .map((s) => `${relative(ROOT, file)} imports ${s}`),
  );
  expect(offending).toEqual([]);
});
