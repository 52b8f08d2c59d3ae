// Rules DevTools imposes and tsc cannot see: it compiles each file under miniprogram/ alone (Babel),
// so shared/ may only be imported for types, and nothing may need whole-program TypeScript.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { MP_ROOT, REPO_ROOT } from './support/paths';

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'generated' ? [] : files(p, ext);
    return p.endsWith(ext) ? [p] : [];
  });
}

const sources = files(MP_ROOT, '.ts');

test('there are Mini Program sources to check', () => {
  expect(sources.length).toBeGreaterThan(10);
});

test.each(sources.map((f) => [relative(REPO_ROOT, f), f]))(
  '%s imports shared/ with `import type` only, and nothing outside miniprogram/ at run time',
  (_name, file) => {
    const src = readFileSync(file, 'utf8');
    const imports = [...src.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s+['"]([^'"]+)['"]/gm)];
    for (const [, , typeOnly, spec] of imports) {
      if (!spec!.startsWith('.')) throw new Error(`${file}: package import ${spec} (DevTools has no node_modules here)`);
      const target = resolve(dirname(file), spec!);
      const inside = target.startsWith(MP_ROOT + '/');
      if (!inside) expect({ file, spec, typeOnly: Boolean(typeOnly) }).toEqual({ file, spec, typeOnly: true });
    }
    expect(src).not.toMatch(/\bconst\s+enum\b/);
    expect(src).not.toMatch(/^\s*(export\s+)?namespace\s/m);
    expect(src).not.toMatch(/\brequire\s*\(/);
  },
);

test('every page in app.json has its four files, built with Component()', () => {
  const app = JSON.parse(readFileSync(join(MP_ROOT, 'app.json'), 'utf8')) as { pages: string[] };
  for (const page of app.pages) {
    for (const ext of ['.ts', '.wxml', '.json', '.wxss']) expect(statSync(join(MP_ROOT, page + ext)).isFile()).toBe(true);
    expect(readFileSync(join(MP_ROOT, `${page}.ts`), 'utf8')).toMatch(/^Component\(\{/m);
  }
});

test('project.config.json opens miniprogram/ with the TypeScript compiler plugin', () => {
  const cfg = JSON.parse(readFileSync(join(REPO_ROOT, 'project.config.json'), 'utf8'));
  expect(cfg.miniprogramRoot).toBe('miniprogram/');
  expect(cfg.setting.useCompilerPlugins).toEqual(['typescript']);
  expect(typeof cfg.appid).toBe('string');
  const priv = JSON.parse(readFileSync(join(REPO_ROOT, 'project.private.config.example.json'), 'utf8'));
  expect(priv.setting.urlCheck).toBe(false);
});
