// One order as the backend knows it: items, payment time, amount paid, refunds and their status.
import type { OrderView } from '../../../shared/api';
import { fetchOrder } from '../../services/api';
import { errorText } from '../../services/errors';
import { formatDateTime, localized, messages } from '../../services/i18n';
import { formatAmount } from '../../services/money';

interface ItemRow {
  sku: string;
  name: string;
  quantity: number;
  unitPriceText: string;
  amountText: string;
}

interface RefundRow {
  id: string;
  amountText: string;
  status: string;
  reason: string;
  createdText: string;
  succeededText: string;
}

Component({
  data: {
    t: messages(),
    orderId: '',
    state: 'loading',
    errorText: '',
    status: '',
    outTradeNo: '',
    items: [] as ItemRow[],
    totalText: '',
    createdText: '',
    paidText: '',
    paid: false,
    amountPaidText: '',
    refundedText: '',
    hasRefunded: false,
    refunds: [] as RefundRow[],
    payable: false,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const t = messages();
      this.setData({ t, orderId: query.id ?? '' });
      wx.setNavigationBarTitle({ title: t.detail.title });
    },
    onShow() {
      void this.load();
    },
    onPullDownRefresh() {
      void this.load().then(() => wx.stopPullDownRefresh());
    },
    async load() {
      if (!this.data.orderId) {
        this.setData({ state: 'error', errorText: messages().errors.ORDER_NOT_FOUND });
        return;
      }
      if (this.data.state !== 'ready') this.setData({ state: 'loading', errorText: '' });
      try {
        this.show(await fetchOrder(this.data.orderId));
      } catch (err) {
        this.setData({ state: 'error', errorText: errorText(err) });
      }
    },
    show(o: OrderView) {
      const paid = Boolean(o.paidAt) || o.status === 'PAID';
      this.setData({
        state: 'ready',
        status: o.status,
        outTradeNo: o.outTradeNo,
        items: o.items.map((i) => ({
          sku: i.sku,
          name: localized(i.name),
          quantity: i.quantity,
          unitPriceText: formatAmount(i.unitPrice, o.currency),
          amountText: formatAmount(i.amount, o.currency),
        })),
        totalText: formatAmount(o.total, o.currency),
        createdText: formatDateTime(o.createdAt),
        paidText: formatDateTime(o.paidAt),
        paid,
        amountPaidText: paid ? formatAmount(o.total, o.currency) : '',
        refundedText: formatAmount(o.refundedAmount, o.currency),
        hasRefunded: o.refundedAmount > 0,
        refunds: o.refunds.map((r) => ({
          id: r.id,
          amountText: formatAmount(r.amount, r.currency),
          status: r.status,
          reason: r.reason ?? '',
          createdText: formatDateTime(r.createdAt),
          succeededText: formatDateTime(r.succeededAt),
        })),
        payable: o.status === 'PENDING',
      });
    },
    onPay() {
      wx.navigateTo({ url: `/pages/pay/index?orderId=${encodeURIComponent(this.data.orderId)}` });
    },
  },
});
