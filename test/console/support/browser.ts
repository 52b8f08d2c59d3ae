// Debian's Chromium driven by playwright-core (no browser download), with a fresh profile per launch.
// CHROMIUM_PATH overrides the binary; CONSOLE_SCREENSHOTS=dir saves a screenshot at each `shot(...)`.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage', // containers often give /dev/shm only 64 MB
];

export interface Browser {
  context: BrowserContext;
  /** A new tab that records page errors and CSP violations (asserted empty by `expectNoPageErrors`). */
  newPage(): Promise<Page>;
  pageErrors: string[];
  close(): Promise<void>;
}

export async function launchChromium(opts: { locale?: string } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    locale: opts.locale ?? 'en-GB',
    viewport: { width: 1200, height: 900 },
  });
  const pageErrors: string[] = [];
  return {
    context,
    pageErrors,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        // A refused request is an expected console line (the test asserts the UI's message); CSP violations are not.
        if (m.type() === 'error' && /Content Security Policy|Trusted ?(HTML|Script|Type)/i.test(m.text()))
          pageErrors.push(`csp: ${m.text()}`);
      });
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.CONSOLE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
