// Sandbox mode only: stands in for WeChat's payment sheet, which cannot pay without a live merchant.
// The customer's choice goes through the backend to the sandbox cashier, which checks the paySign
// like WeChat would; leaving the page without choosing counts as cancelling.
import type { SandboxCashierRequest } from '../../../shared/api';
import { fetchOrder, sandboxCashier } from '../../services/api';
import { getClientConfig } from '../../services/config';
import { errorText, toAppError } from '../../services/errors';
import { messages } from '../../services/i18n';
import { formatAmount } from '../../services/money';
import { outcomeOf, pendingSandboxPayment, type PayOutcome } from '../../services/pay';

const RESULT_OUTCOME: Record<string, PayOutcome> = { ok: 'ok', cancel: 'cancel', fail: 'fail' };

Component({
  data: {
    t: messages(),
    orderId: '',
    state: 'loading',
    errorText: '',
    merchantName: '',
    amountText: '',
    working: false,
    actionError: '',
    canRetry: true,
    /** The outcome chosen here, once the backend accepted it. */
    chosen: '',
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const t = messages();
      this.setData({ t, orderId: query.orderId ?? '' });
      wx.setNavigationBarTitle({ title: t.cashier.title });
      void this.load();
    },
    onUnload() {
      // Back without choosing is a cancel; after a choice this is the choice (navigateBack unloads the page).
      pendingSandboxPayment(this.data.orderId)?.settle((this.data.chosen as PayOutcome | '') || 'cancel');
    },
    async load() {
      if (!pendingSandboxPayment(this.data.orderId)) {
        this.setData({ state: 'error', errorText: this.data.t.cashier.noPayment, canRetry: false });
        return;
      }
      this.setData({ state: 'loading', errorText: '' });
      try {
        const [config, order] = await Promise.all([getClientConfig(), fetchOrder(this.data.orderId)]);
        this.setData({ state: 'ready', merchantName: config.merchantName, amountText: formatAmount(order.total, order.currency) });
      } catch (err) {
        this.setData({ state: 'error', errorText: errorText(err) });
      }
    },
    async choose(action: SandboxCashierRequest['action']) {
      const pending = pendingSandboxPayment(this.data.orderId);
      if (this.data.working || !pending) return;
      this.setData({ working: true, actionError: '' });
      try {
        const res = await sandboxCashier({ orderId: pending.orderId, payment: pending.payment, action });
        const outcome = RESULT_OUTCOME[res.result] ?? outcomeOf(`requestPayment:fail ${res.message ?? ''}`);
        this.setData({ chosen: outcome });
        // The pay page moves on (to the result page) only once this page is gone, as after WeChat's sheet.
        wx.navigateBack({ delta: 1, complete: () => pending.settle(outcome) });
      } catch (err) {
        // Not settled: the customer may try again or cancel.
        this.setData({ working: false, actionError: toAppError(err).message });
      }
    },
    onPay() {
      void this.choose('pay');
    },
    onCancel() {
      void this.choose('cancel');
    },
    onFail() {
      void this.choose('fail');
    },
  },
});
