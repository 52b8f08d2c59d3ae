// Currencies and amounts. Amounts are integers in the currency's minor unit (ISO 4217 exponent).
// Plain values only: the Mini Program imports this at runtime through its generated copy.

export const CURRENCY_EXPONENT: Readonly<Record<string, number>> = {
  HKD: 2,
  CNY: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  SGD: 2,
  AUD: 2,
  CAD: 2,
  MOP: 2,
  NZD: 2,
  THB: 2,
  MYR: 2,
  CHF: 2,
  JPY: 0,
  KRW: 0,
};

export type CurrencyCode = string;

/** The minor-unit exponent of an ISO 4217 currency (2 when unknown). */
export function currencyExponent(currency: CurrencyCode): number {
  return CURRENCY_EXPONENT[currency] ?? 2;
}

/** Formats an integer minor-unit amount, e.g. (12345, 'HKD') -> 'HK$123.45', (500, 'JPY') -> 'JP¥500'.
 * Every symbol names one currency (CN¥ and JP¥, never a bare ¥); a currency without one shows its code. */
export function formatAmount(minor: number, currency: CurrencyCode): string {
  const exp = currencyExponent(currency);
  const negative = minor < 0;
  const abs = Math.abs(Math.trunc(minor));
  const units = Math.floor(abs / 10 ** exp);
  const fraction = exp > 0 ? `.${String(abs % 10 ** exp).padStart(exp, '0')}` : '';
  const grouped = String(units).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = CURRENCY_SYMBOL[currency] ?? `${currency} `;
  return `${negative ? '-' : ''}${symbol}${grouped}${fraction}`;
}

const CURRENCY_SYMBOL: Readonly<Record<string, string>> = {
  HKD: 'HK$',
  USD: 'US$',
  CNY: 'CN¥',
  JPY: 'JP¥',
  GBP: '£',
  EUR: '€',
  MOP: 'MOP$',
};
