// What the console's browser tests do on every page: sign in, wait for a text, and check that the page fits its
// width and has no serious accessibility violation.
import type { Page } from 'playwright-core';
import { seriousViolations } from './axe';

export interface StaffCredentials {
  username: string;
  password: string;
}

/**
 * Opens the console at `baseUrl` and signs in as `who` in `lang`. `fresh`: forget the tab's earlier session
 * first (the console keeps its token in sessionStorage).
 */
export async function signIn(
  page: Page,
  baseUrl: string,
  who: StaffCredentials,
  lang: 'en' | 'zh-HK' = 'en',
  opts: { fresh?: boolean } = {},
): Promise<void> {
  await page.goto(`${baseUrl}/admin/`);
  if (opts.fresh) {
    await page.evaluate('sessionStorage.clear()');
    await page.reload();
  }
  await page.getByTestId('lang').selectOption(lang);
  await page.getByTestId('login-username').fill(who.username);
  await page.getByTestId('login-password').fill(who.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('nav').waitFor({ state: 'attached' });
}

/** Waits until the first element of `locator` holds `text`; returns what it holds. */
export async function expectText(locator: ReturnType<Page['getByTestId']>, text: string | RegExp, timeout = 20_000): Promise<string> {
  const end = Date.now() + timeout;
  let last = '';
  while (Date.now() < end) {
    last =
      (await locator
        .first()
        .textContent({ timeout: Math.max(1, end - Date.now()) })
        .catch(() => '')) ?? '';
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${String(text)}, last saw ${JSON.stringify(last)}`);
}

/** The page fits its width (no sideways scrolling) and axe-core finds no serious or critical violation. */
export async function checkPage(page: Page, label: string): Promise<void> {
  const width = await page.evaluate<{ scroll: number; inner: number }>(
    '({ scroll: document.scrollingElement.scrollWidth, inner: innerWidth })',
  );
  expect({ label, ...width, fits: width.scroll <= width.inner }).toEqual({ label, ...width, fits: true });
  const violations = await seriousViolations(page);
  expect({ label, violations }).toEqual({ label, violations: [] });
}
