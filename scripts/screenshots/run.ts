// `npm run screenshots`: renders the staff console (and the Mini Program, when its renderer is present) into
// docs/images/. `--smoke` renders without writing files.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { renderConsoleScreenshots } from './console';

const root = join(__dirname, '..', '..');

async function main(): Promise<void> {
  const smoke = process.argv.includes('--smoke');
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const files = await renderConsoleScreenshots(join(root, 'docs', 'images', 'console'), { smoke, log });
  let count = files.length;
  const mini = join(__dirname, 'miniprogram.ts');
  if (existsSync(mini)) {
    const mod = (await import(mini)) as {
      renderMiniprogramScreenshots(outDir: string, opts: { smoke?: boolean; log?: (l: string) => void }): Promise<string[] | void>;
    };
    const more = await mod.renderMiniprogramScreenshots(join(root, 'docs', 'images', 'miniprogram'), { smoke, log });
    count += Array.isArray(more) ? more.length : 0;
  }
  log(`${count} screenshots ${smoke ? 'rendered' : 'written'}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
