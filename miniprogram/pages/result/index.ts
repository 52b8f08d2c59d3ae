// The payment result, as the backend knows it. The payment sheet's callback is never proof: after a sheet that
// said ok the backend is asked once and answers when it knows (it waits a few seconds for WeChat Pay's
// notification, then queries WeChat Pay itself); only an order still pending then is asked again a few times
// as a fallback (as after a sheet that said fail). Then the page shows the order's state:
// the same status, with the same words, as the orders list and the order page.
// - PAID: done. PENDING: not paid yet; the order can be paid again (a failed or cancelled sheet leaves it
//   payable). FAILED (WeChat Pay reported PAYERROR) or CLOSED: this order can never be paid, so "Order again"
//   makes a new order with the same items.
import type { OrderView } from '../../../shared/api';
import { awaitOrder, fetchOrder } from '../../services/api';
import { errorText, toAppError } from '../../services/errors';
import { messages } from '../../services/i18n';
import { formatAmount } from '../../services/money';
import { displayStatus, nextStep } from '../../services/order-status';
import { newRequestId, payPageUrl, reorder } from '../../services/reorder';

/**
 * Waits between repeated queries of a still-pending order: about 12 s in all, longer than the backend's
 * ORDER_SYNC_STALE_SECONDS (10 s by default), so the last asks make the backend query WeChat Pay itself.
 */
export const POLL_DELAYS_MS = [500, 1000, 1500, 2000, 2000, 2500, 2500];

type Outcome = 'paid' | 'pending' | 'failed' | 'cancelled';

const OUTCOME: Record<OrderView['status'], Outcome> = { PAID: 'paid', PENDING: 'pending', FAILED: 'failed', CLOSED: 'cancelled' };

Component({
  data: {
    t: messages(),
    orderId: '',
    /** What the payment sheet said: "ok" | "fail" | "none". */
    sheet: 'none',
    state: 'loading',
    errorText: '',
    /** Still asking the backend after the sheet said "ok": the page says it is checking. */
    checking: false,
    /** Still asking, quietly (the sheet said "fail": the order's state is shown meanwhile). */
    polling: false,
    outcome: '' as Outcome | '',
    status: '',
    headline: '',
    hint: '',
    amountText: '',
    outTradeNo: '',
    next: 'none',
    reordering: false,
    actionError: '',
    /** One idempotency key per visit: a repeated "order again" makes one new order. */
    reorderRequestId: '',
  },
  lifetimes: {
    detached() {
      this.stopPolling();
    },
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const t = messages();
      this.setData({ t, orderId: query.orderId ?? '', sheet: query.outcome ?? 'none', reorderRequestId: newRequestId() });
      wx.setNavigationBarTitle({ title: t.result.title });
      const sheetUsed = this.data.sheet === 'ok' || this.data.sheet === 'fail';
      void this.check(sheetUsed ? POLL_DELAYS_MS.length : 0, this.data.sheet === 'ok');
    },
    onUnload() {
      this.stopPolling();
    },
    stopPolling() {
      const self = this as unknown as { pollTimer?: number };
      if (self.pollTimer !== undefined) clearTimeout(self.pollTimer);
      self.pollTimer = undefined;
    },
    /**
     * Asks the backend (`wait`: the one question after a sheet that said ok, answered once the order is settled);
     * while the order is pending, asks again up to `polls` more times.
     */
    async check(polls: number, wait = false) {
      this.stopPolling();
      if (!this.data.orderId) {
        this.setData({ state: 'error', errorText: messages().errors.ORDER_NOT_FOUND });
        return;
      }
      if (this.data.state !== 'ready') this.setData({ state: 'loading', errorText: '' });
      let order: OrderView;
      try {
        order = await (wait ? awaitOrder(this.data.orderId) : fetchOrder(this.data.orderId));
      } catch (err) {
        this.setData({ state: 'error', checking: false, polling: false, errorText: errorText(err) });
        return;
      }
      const waitMore = order.status === 'PENDING' && polls > 0;
      this.show(order, waitMore);
      if (waitMore) {
        const delay = POLL_DELAYS_MS[POLL_DELAYS_MS.length - polls] ?? 2500;
        (this as unknown as { pollTimer?: number }).pollTimer = setTimeout(() => void this.check(polls - 1), delay) as unknown as number;
      }
    },
    show(order: OrderView, stillAsking: boolean) {
      const t = this.data.t.result;
      const outcome = OUTCOME[order.status];
      const checking = stillAsking && this.data.sheet === 'ok';
      const text: Record<Outcome, [string, string]> = {
        paid: [t.paid, t.paidHint],
        // After a failed sheet with no final word from WeChat Pay yet: not paid, and payable again.
        pending: checking
          ? [t.checking, '']
          : this.data.sheet === 'fail'
            ? [t.notCompleted, t.notCompletedHint]
            : [t.pending, t.pendingHint],
        failed: [t.failed, t.failedHint],
        cancelled: [t.cancelled, t.cancelledHint],
      };
      (this as unknown as { order?: OrderView }).order = order;
      const [headline, hint] = text[outcome];
      this.setData({
        state: 'ready',
        checking,
        polling: stillAsking,
        outcome,
        status: displayStatus(order),
        headline,
        hint,
        amountText: formatAmount(order.total, order.currency),
        outTradeNo: order.outTradeNo,
        next: checking ? 'none' : nextStep(order),
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
      if (this.data.next !== 'pay') return;
      this.stopPolling();
      wx.redirectTo({ url: payPageUrl(this.data.orderId) });
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
    onBackToShop() {
      wx.reLaunch({ url: '/pages/catalog/index' });
    },
  },
});
