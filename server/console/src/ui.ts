// The console's runtime state shared by views: chosen language and the formatting that depends on it.
import { formatAmount } from '../../../shared/money';
import { pickLang, translate, type Lang, type MessageKey } from './i18n';
import { describeError } from './errors';
import { ApiError } from './api';

const LANG_KEY = 'console.lang'; // a display preference, not a secret: localStorage is fine here

let lang: Lang = 'en';

export function initLang(): Lang {
  let saved: string | null;
  try {
    saved = localStorage.getItem(LANG_KEY);
  } catch {
    saved = null;
  }
  lang = pickLang(saved, navigator.languages ?? [navigator.language]);
  document.documentElement.lang = lang;
  return lang;
}

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  document.documentElement.lang = next;
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return translate(lang, key, params);
}

export function money(minor: number | undefined, currency: string): string {
  return minor === undefined ? '—' : formatAmount(minor, currency);
}

export function when(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'zh-HK' ? 'zh-HK' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' }).format(d);
}

/** Any thrown value as a sentence in the current language. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return describeError(lang, err);
  return describeError(lang, { status: 0, code: 'NETWORK', message: err instanceof Error ? err.message : String(err) });
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

/** Resolves after `ms`, or rejects at once when the view is left (signal aborted). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException('aborted', 'AbortError'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
