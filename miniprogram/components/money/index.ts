// An amount in minor units shown with its currency's exponent and symbol (HK$123.45, ¥500).
import { formatAmount } from '../../services/money';

Component({
  properties: {
    amount: { type: Number, value: 0 },
    currency: { type: String, value: '' },
  },
  data: {
    text: '',
  },
  observers: {
    'amount, currency'(amount: number, currency: string) {
      this.setData({ text: currency ? formatAmount(amount, currency) : '' });
    },
  },
});
