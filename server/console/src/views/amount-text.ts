import type { ParsedAmount } from '../amount';
import { t } from '../ui';

export function amountProblemText(parsed: Extract<ParsedAmount, { ok: false }>): string {
  if (parsed.problem === 'too_many_decimals') {
    return parsed.decimals ? t('amount.too_many_decimals', { decimals: parsed.decimals }) : t('amount.too_many_decimals0');
  }
  return t(`amount.${parsed.problem}`);
}
