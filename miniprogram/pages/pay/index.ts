// Pays one order: the paySign checkout received with the new order (first attempt), else a fresh one from the
// backend, then WeChat's sheet (or the sandbox cashier).
// What the sheet reports is only what the customer did; the result page asks the backend for the truth.
import type { OrderView } from '../../../shared/api';
import { fetchOrder, startPayment } from '../../services/api';
import { getClientConfig } from '../../services/config';
import { errorText, toAppError } from '../../services/errors';
import { formatDateTime, localized, messages } from '../../services/i18n';
import { formatAmount } from '../../services/money';
import { handedPayment, payOrder } from '../../services/pay';

interface ItemRow {
  sku: string;
  name: string;
  quantity: number;
  amountText: string;
}

function resultUrl(orderId: string, outcome: string): string {
  return `/pages/result/index?orderId=${encodeURIComponent(orderId)}&outcome=${outcome}`;
}

Component({
  data: {
    t: messages(),
    orderId: '',
    state: 'loading',
    errorText: '',
    outTradeNo: '',
    totalText: '',
    expiresText: '',
    items: [] as ItemRow[],
    sandbox: false,
    paying: false,
    notice: '',
    payError: '',
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const t = messages();
      this.setData({ t, orderId: query.orderId ?? '' });
      wx.setNavigationBarTitle({ title: t.pay.title });
      void this.load();
    },
    async load() {
      if (!this.data.orderId) {
        this.setData({ state: 'error', errorText: messages().errors.ORDER_NOT_FOUND });
        return;
      }
      this.setData({ state: 'loading', errorText: '' });
      try {
        // Straight from checkout: the order came with its answer, no need to fetch it.
        const handed = handedPayment(this.data.orderId);
        const [config, order] = await Promise.all([getClientConfig(), handed ? handed.order : fetchOrder(this.data.orderId)]);
        this.setData({ sandbox: config.sandbox });
        this.show(order);
      } catch (err) {
        this.setData({ state: 'error', errorText: errorText(err) });
      }
    },
    show(order: OrderView) {
      if (order.status !== 'PENDING') {
        // Paid, failed or closed already: the result page says which.
        wx.redirectTo({ url: resultUrl(order.id, 'none') });
        return;
      }
      this.setData({
        state: 'ready',
        outTradeNo: order.outTradeNo,
        totalText: formatAmount(order.total, order.currency),
        expiresText: formatDateTime(order.expiresAt),
        items: order.items.map((i) => ({
          sku: i.sku,
          name: localized(i.name),
          quantity: i.quantity,
          amountText: formatAmount(i.amount, order.currency),
        })),
      });
    },
    async onPay() {
      if (this.data.paying || this.data.state !== 'ready') return;
      const orderId = this.data.orderId;
      this.setData({ paying: true, notice: '', payError: '' });
      try {
        const { order, payment } = handedPayment(orderId, true) ?? (await startPayment(orderId));
        const outcome = await payOrder(order.id, payment, this.data.sandbox);
        if (outcome === 'cancel') {
          // Closing the sheet is a normal choice. Still ask the backend: the payment may have gone through.
          const latest = await fetchOrder(orderId);
          this.setData({ paying: false, notice: this.data.t.pay.cancelled });
          this.show(latest);
          return;
        }
        wx.redirectTo({ url: resultUrl(orderId, outcome) });
      } catch (err) {
        const e = toAppError(err);
        if (e.code === 'ORDER_NOT_PAYABLE') {
          wx.redirectTo({ url: resultUrl(orderId, 'none') });
          return;
        }
        this.setData({ paying: false, payError: e.message });
      }
    },
  },
});
