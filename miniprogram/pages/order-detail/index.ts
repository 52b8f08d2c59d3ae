// One order as the backend knows it: status (refunds included), items, payment time, amount paid, refunds and
// their status. An unpaid order can be paid; one that never can be (payment failed, closed, expired) can be
// ordered again: a new order with the same items.
import type { OrderView } from '../../../shared/api';
import { fetchOrder } from '../../services/api';
import { errorText, toAppError } from '../../services/errors';
import { fill, formatDateTime, localized, messages } from '../../services/i18n';
import { currencyExponent, formatAmount } from '../../services/money';
import { displayStatus, nextStep } from '../../services/order-status';
import { newRequestId, payPageUrl, reorder } from '../../services/reorder';

/** "charged CNY 46.20 at 0.9106" when WeChat Pay charged the wallet in another currency; else ''. */
export function chargedText(o: OrderView): string {
  if (o.payerTotal === undefined || !o.payerCurrency || o.payerCurrency === o.currency) return '';
  const t = messages().detail;
  const exp = currencyExponent(o.payerCurrency);
  const amount = `${o.payerCurrency} ${(o.payerTotal / 10 ** exp).toFixed(exp)}`;
  return o.exchangeRate ? fill(t.chargedAt, { amount, rate: String(Number(o.exchangeRate.toFixed(8))) }) : fill(t.charged, { amount });
}

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
    /** The wallet's side when it differs: "charged CNY 46.20 at 0.9106". */
    chargedText: '',
    discountText: '',
    refundedText: '',
    hasRefunded: false,
    refunds: [] as RefundRow[],
    next: 'none',
    reordering: false,
    actionError: '',
    /** One idempotency key per visit: a repeated "order again" makes one new order. */
    reorderRequestId: '',
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const t = messages();
      this.setData({ t, orderId: query.id ?? '', reorderRequestId: newRequestId() });
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
      const discount = (o.promotions ?? []).reduce((s, p) => s + p.amount, 0);
      (this as unknown as { order?: OrderView }).order = o;
      this.setData({
        state: 'ready',
        status: displayStatus(o),
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
        amountPaidText: paid ? formatAmount(o.total - discount, o.currency) : '',
        chargedText: paid ? chargedText(o) : '',
        discountText: discount > 0 ? fill(messages().detail.discountAmount, { amount: formatAmount(discount, o.currency) }) : '',
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
        next: nextStep(o),
      });
    },
    onPay() {
      wx.navigateTo({ url: payPageUrl(this.data.orderId) });
    },
    async onOrderAgain() {
      const order = (this as unknown as { order?: OrderView }).order;
      if (this.data.reordering || !order || this.data.next !== 'reorder') return;
      this.setData({ reordering: true, actionError: '' });
      try {
        const created = await reorder(order, this.data.reorderRequestId);
        wx.redirectTo({ url: payPageUrl(created.order.id) });
      } catch (err) {
        this.setData({ reordering: false, actionError: toAppError(err).message });
      }
    },
  },
});
