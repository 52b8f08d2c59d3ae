// Currencies and the simulated payer side: the payer pays in CNY at a fixed sandbox rate, reported as
// WeChat Pay reports rates (ratio x 10^8). Amounts are integers in each currency's minor unit.

/** ISO 4217 exponents of the currencies the sandbox accepts. */
export const CURRENCY_EXPONENT: Record<string, number> = {
  HKD: 2,
  CNY: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  JPY: 0,
  KRW: 0,
  MOP: 2,
  SGD: 2,
  AUD: 2,
  CAD: 2,
  NZD: 2,
  CHF: 2,
  THB: 2,
  MYR: 2,
  SEK: 2,
  DKK: 2,
  NOK: 2,
};

/** CNY per one major unit: fixed sandbox rates, so amounts are reproducible. */
const CNY_PER_UNIT: Record<string, number> = {
  HKD: 0.92,
  CNY: 1,
  USD: 7.2,
  EUR: 7.8,
  GBP: 9.1,
  JPY: 0.048,
  KRW: 0.0053,
  MOP: 0.89,
  SGD: 5.3,
  AUD: 4.7,
  CAD: 5.2,
  NZD: 4.3,
  CHF: 8.0,
  THB: 0.2,
  MYR: 1.5,
  SEK: 0.68,
  DKK: 1.05,
  NOK: 0.67,
};

export function isCurrency(c: string): boolean {
  return c in CURRENCY_EXPONENT;
}

/** `rate` as WeChat Pay writes it: the ratio multiplied by 10^8. */
export function exchangeRate(currency: string): number {
  return Math.round((CNY_PER_UNIT[currency] ?? 1) * 1e8);
}

/** What the payer pays in CNY fen for `amount` minor units of `currency`. */
export function toPayerAmount(amount: number, currency: string): number {
  const exp = CURRENCY_EXPONENT[currency] ?? 2;
  return Math.round((amount / 10 ** exp) * (CNY_PER_UNIT[currency] ?? 1) * 100);
}

/** Minor units as a decimal string with the currency's exponent (`12.30`, `1230` for JPY). */
export function formatMajor(amount: number, currency: string): string {
  const exp = CURRENCY_EXPONENT[currency] ?? 2;
  if (exp === 0) return String(amount);
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  const unit = 10 ** exp;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(exp, '0')}`;
}

/** The fee WeChat Pay keeps, at `basisPoints` (60 = 0.60%), rounded half up. */
export function fee(amount: number, basisPoints: number): number {
  return Math.round((amount * basisPoints) / 10000);
}
