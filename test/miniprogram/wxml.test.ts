/**
 * @jest-environment jsdom
 */
// Every WXML file through WeChat's own template compiler (wcc, from miniprogram-compiler).
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import compiler from 'miniprogram-compiler';
import { MP_ROOT } from './support/paths';

function wxmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return wxmlFiles(p);
    return p.endsWith('.wxml') ? [relative(MP_ROOT, p).replace(/\.wxml$/, '')] : [];
  });
}

const all = wxmlFiles(MP_ROOT);

test('finds the pages and components', () => {
  expect(all).toEqual(expect.arrayContaining(['pages/catalog/index', 'pages/order-detail/index', 'components/state-view/index']));
});

(window as unknown as { __webview_engine_version__: number }).__webview_engine_version__ = 0.02;

test('all templates compile together, as DevTools compiles them', () => {
  const js: string = compiler.wxmlToJs(MP_ROOT);
  const gwx = new Function(js)() as (path: string) => unknown;
  for (const file of all) expect(typeof gwx(`${file}.wxml`)).toBe('function');
});

test.each(all)('%s.wxml compiles with wcc', (file) => {
  const js: string = compiler.wxmlToJs(MP_ROOT, { wxmlList: [`${file}.wxml`], wxsList: [] });
  expect(js).toContain('$gwx');
  const gwx = new Function(js)() as (path: string) => unknown;
  expect(typeof gwx(`${file}.wxml`)).toBe('function');
});

test('wcc rejects a broken template (the check can fail)', () => {
  const { mkdtempSync, writeFileSync, rmSync } = require('node:fs') as typeof import('node:fs');
  const dir = mkdtempSync(join(require('node:os').tmpdir(), 'wxml-'));
  try {
    writeFileSync(join(dir, 'bad.wxml'), '<view>{{a</view><view');
    expect(() => compiler.wxmlToJs(dir, { wxmlList: ['bad.wxml'], wxsList: [] })).toThrow();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
