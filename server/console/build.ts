// Builds the staff console in memory with esbuild: one script bundle and one stylesheet, each named by a hash
// of its content so it can be cached for a year, and an index.html that points at them (never cached).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
  /** index.html must be revalidated; hashed files never change. */
  immutable: boolean;
  etag: string;
}

/** Request path below `/admin/` ('' is index.html) -> asset. */
export type ConsoleAssets = ReadonlyMap<string, ConsoleAsset>;

export const CONSOLE_DIR = __dirname;

function asset(body: Buffer, contentType: string, immutable: boolean): ConsoleAsset {
  return { body, contentType, immutable, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function hashedName(base: string, ext: string, body: Buffer): string {
  return `${base}.${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`;
}

export async function buildConsole(dir = CONSOLE_DIR): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: [join(dir, 'src', 'main.ts')],
    tsconfig: join(dir, 'tsconfig.json'),
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['chrome100', 'edge100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const js = Buffer.from(result.outputFiles[0]?.contents ?? new Uint8Array());
  if (js.length === 0) throw new Error('console bundle is empty');
  const css = await readFile(join(dir, 'app.css'));
  const jsName = hashedName('app', 'js', js);
  const cssName = hashedName('app', 'css', css);
  const template = await readFile(join(dir, 'index.html'), 'utf8');
  const html = Buffer.from(template.replace('%APP_JS%', jsName).replace('%APP_CSS%', cssName), 'utf8');
  return new Map([
    ['', asset(html, 'text/html; charset=utf-8', false)],
    [jsName, asset(js, 'text/javascript; charset=utf-8', true)],
    [cssName, asset(css, 'text/css; charset=utf-8', true)],
  ]);
}
