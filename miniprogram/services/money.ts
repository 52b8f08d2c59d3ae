// Amount formatting from the generated copy of shared/money (DevTools cannot reach shared/ at run time).
export { formatAmount, currencyExponent } from '../generated/money';
