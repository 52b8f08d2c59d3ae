// Amounts are typed in major units ("12.50") and sent as integer minor units (1250), using the currency's
// exponent. Pure string arithmetic: no floating point ever touches money.
import { currencyExponent, type CurrencyCode } from '../../../shared/money';

export type AmountProblem = 'empty' | 'invalid' | 'too_many_decimals' | 'zero' | 'too_large';

export type ParsedAmount = { ok: true; minor: number } | { ok: false; problem: AmountProblem; decimals?: number };

/** Parses "12", "12.5", "12.50", "1,234.50" into minor units; refuses more decimals than the currency has. */
export function parseMajorAmount(input: string, currency: CurrencyCode): ParsedAmount {
  const exp = currencyExponent(currency);
  const text = toAsciiDigits(input.trim()).replace(/,(?=\d{3}(\D|$))/g, '');
  if (text === '') return { ok: false, problem: 'empty' };
  const m = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) return { ok: false, problem: 'invalid' };
  const whole = m[1] ?? '0';
  const fraction = m[2] ?? '';
  // "12.500" for HKD is refused too: the person typed a precision the currency does not have.
  if (fraction.length > exp) return { ok: false, problem: 'too_many_decimals', decimals: exp };
  const digits = `${whole}${fraction.padEnd(exp, '0')}`.replace(/^0+(?=\d)/, '');
  if (digits.length > 15) return { ok: false, problem: 'too_large' };
  const minor = Number(digits);
  if (!Number.isSafeInteger(minor)) return { ok: false, problem: 'too_large' };
  if (minor === 0) return { ok: false, problem: 'zero' };
  return { ok: true, minor };
}

/** The inverse, for pre-filling a form: (1250, 'HKD') -> "12.50", (500, 'JPY') -> "500". */
export function minorToMajorString(minor: number, currency: CurrencyCode): string {
  const exp = currencyExponent(currency);
  const abs = Math.abs(Math.trunc(minor));
  const sign = minor < 0 ? '-' : '';
  if (exp === 0) return `${sign}${abs}`;
  const s = String(abs).padStart(exp + 1, '0');
  return `${sign}${s.slice(0, -exp)}.${s.slice(-exp)}`;
}

/** Full-width digits and point (typed with a Chinese input method) read as their ASCII forms. */
function toAsciiDigits(s: string): string {
  return s.replace(/[\uFF10-\uFF19\uFF0E\uFF0C]/g, (c) => {
    if (c === '\uFF0E') return '.';
    if (c === '\uFF0C') return ',';
    return String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48);
  });
}
