// The payment result, as the backend knows it. The payment sheet's callback is never proof:
// a PENDING order is asked again a few times (the notification may be on its way), then the page
// says "not confirmed yet" and offers a refresh.
import type { OrderStatus, OrderView } from '../../../shared/api';
import { fetchOrder } from '../../services/api';
import { errorText } from '../../services/errors';
import { messages } from '../../services/i18n';
import { formatAmount } from '../../services/money';

/** Waits between repeated queries of a still-pending order (about 7 s in all). */
const POLL_DELAYS_MS = [500, 1000, 1500, 2000, 2000];

type Outcome = 'paid' | 'pending' | 'failed' | 'cancelled';

const OUTCOME: Record<OrderStatus, Outcome> = { PAID: 'paid', PENDING: 'pending', FAILED: 'failed', CLOSED: 'cancelled' };

Component({
  data: {
    t: messages(),
    orderId: '',
    /** What the payment sheet said: "ok" | "fail" | "none"; only decides whether waiting is worth it. */
    sheet: 'none',
    state: 'loading',
    errorText: '',
    checking: false,
    outcome: '' as Outcome | '',
    headline: '',
    hint: '',
    amountText: '',
    outTradeNo: '',
    canPayAgain: false,
  },
  lifetimes: {
    detached() {
      this.stopPolling();
    },
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const t = messages();
      this.setData({ t, orderId: query.orderId ?? '', sheet: query.outcome ?? 'none' });
      wx.setNavigationBarTitle({ title: t.result.title });
      void this.check(this.data.sheet === 'ok' ? POLL_DELAYS_MS.length : 0);
    },
    onUnload() {
      this.stopPolling();
    },
    stopPolling() {
      const self = this as unknown as { pollTimer?: number };
      if (self.pollTimer !== undefined) clearTimeout(self.pollTimer);
      self.pollTimer = undefined;
    },
    /** Asks the backend; while the order is pending, asks again up to `polls` more times. */
    async check(polls: number) {
      this.stopPolling();
      if (!this.data.orderId) {
        this.setData({ state: 'error', errorText: messages().errors.ORDER_NOT_FOUND });
        return;
      }
      if (this.data.state !== 'ready') this.setData({ state: 'loading', errorText: '' });
      this.setData({ checking: true });
      let order: OrderView;
      try {
        order = await fetchOrder(this.data.orderId);
      } catch (err) {
        this.setData({ state: 'error', checking: false, errorText: errorText(err) });
        return;
      }
      const outcome = OUTCOME[order.status];
      const waitMore = outcome === 'pending' && polls > 0;
      this.show(order, outcome, waitMore);
      if (waitMore) {
        const delay = POLL_DELAYS_MS[POLL_DELAYS_MS.length - polls] ?? 2000;
        (this as unknown as { pollTimer?: number }).pollTimer = setTimeout(() => void this.check(polls - 1), delay) as unknown as number;
      }
    },
    show(order: OrderView, outcome: Outcome, stillChecking: boolean) {
      const t = this.data.t.result;
      const text: Record<Outcome, [string, string]> = {
        paid: [t.paid, t.paidHint],
        pending: stillChecking ? [t.checking, ''] : [t.pending, t.pendingHint],
        failed: [t.failed, t.failedHint],
        cancelled: [t.cancelled, t.cancelledHint],
      };
      // The sheet failed and the order is still unpaid: say so, and let the customer try again.
      const sheetFailed = outcome === 'pending' && !stillChecking && this.data.sheet === 'fail';
      const [headline, hint] = sheetFailed ? text.failed : text[outcome];
      this.setData({
        state: 'ready',
        checking: stillChecking,
        outcome,
        headline,
        hint,
        amountText: formatAmount(order.total, order.currency),
        outTradeNo: order.outTradeNo,
        canPayAgain: outcome === 'pending' && !stillChecking,
      });
    },
    onRetry() {
      void this.check(0);
    },
    onRefresh() {
      if (this.data.checking) return;
      void this.check(0);
    },
    onViewOrder() {
      wx.redirectTo({ url: `/pages/order-detail/index?id=${encodeURIComponent(this.data.orderId)}` });
    },
    onPayAgain() {
      wx.redirectTo({ url: `/pages/pay/index?orderId=${encodeURIComponent(this.data.orderId)}` });
    },
    onBackToShop() {
      wx.reLaunch({ url: '/pages/catalog/index' });
    },
  },
});
