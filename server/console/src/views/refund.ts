// Refund in three steps: amount + reason (amount defaults to what is left), an explicit confirmation, then the
// refund's progress until it is final. One idempotency key per confirmed refund, reused if the same confirmation
// is retried after a network failure, so a retry can never refund twice.
import type { AdminOrderView, AdminRefundView, RefundStatus } from '../../../../shared/api';
import { minorToMajorString, parseMajorAmount } from '../amount';
import { api, ApiError, newRequestId } from '../api';
import { field, guardSubmit, h, messageBox, replaceChildren, setMessage } from '../dom';
import { describeWechatReason } from '../errors';
import { currentLang, errorText, isAbort, money, sleep, t } from '../ui';
import { amountProblemText } from './amount-text';

const FINAL: readonly RefundStatus[] = ['SUCCESS', 'CLOSED', 'ABNORMAL', 'FAILED'];
const POLL_MS = [500, 1000, 1000, 2000, 2000, 3000, 5000];
const GIVE_UP_MS = 90_000;

/**
 * `onChanged` runs whenever the order changed under the panel (refund created, final, or refused because the
 * balance moved), so the page can reload it; `onClose` when the person leaves the panel.
 */
export function refundPanel(order: AdminOrderView, signal: AbortSignal, onChanged: () => void, onClose: () => void): HTMLElement {
  const panel = h('div', { class: 'card panel', testid: 'refund-panel' });
  let max = order.refundableAmount;
  const amount = h('input', {
    name: 'amount',
    inputmode: 'decimal',
    autocomplete: 'off',
    value: minorToMajorString(max, order.currency),
    testid: 'refund-amount',
  });
  const reason = h('input', { name: 'reason', maxlength: 80, autocomplete: 'off', testid: 'refund-reason' });
  const message = messageBox('refund-error');

  const refreshBalance = async () => {
    try {
      const fresh = await api.getOrder(order.id, signal);
      if (fresh.refundableAmount !== max) {
        max = fresh.refundableAmount;
        amount.value = minorToMajorString(max, order.currency);
      }
    } catch {
      // keep the old figure; the API checks the balance anyway
    }
  };

  const showForm = () => {
    const form = h(
      'form',
      { testid: 'refund-form', novalidate: true },
      h('h2', {}, t('refund.heading')),
      field(
        t('refund.amount', { currency: order.currency }),
        amount,
        t('refund.amountHint', { max: money(max, order.currency) }),
        'refund-max',
      ),
      field(t('refund.reason'), reason),
      message,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', testid: 'refund-review' }, t('refund.review')),
        h('button', { type: 'button', onclick: onClose }, t('common.cancel')),
      ),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const parsed = parseMajorAmount(amount.value, order.currency);
      if (!parsed.ok) return setMessage(message, amountProblemText(parsed));
      if (parsed.minor > max) return setMessage(message, t('refund.overBalance', { max: money(max, order.currency) }));
      if (reason.value.trim().length > 80) return setMessage(message, t('refund.reasonTooLong')); // counted as the API counts
      setMessage(message, '');
      showConfirm(parsed.minor, reason.value.trim());
    });
    replaceChildren(panel, form);
    amount.focus();
    amount.select();
  };

  const showConfirm = (minor: number, why: string) => {
    const requestId = newRequestId('rf');
    const confirmMessage = messageBox('refund-error');
    const form = h(
      'form',
      { testid: 'refund-confirm-form' },
      h('h2', {}, t('refund.heading')),
      h(
        'p',
        { class: 'confirm', testid: 'refund-confirm-text' },
        t('refund.confirmText', { amount: money(minor, order.currency), no: order.outTradeNo }),
      ),
      why ? h('p', {}, t('refund.confirmReason', { reason: why })) : null,
      confirmMessage,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'danger', testid: 'refund-confirm' }, t('refund.confirm')),
        h('button', { type: 'button', testid: 'refund-back', onclick: showForm }, t('common.back')),
      ),
    );
    guardSubmit(form, async () => {
      setMessage(confirmMessage, t('refund.sending'), 'info');
      try {
        const refund = await api.createRefund(order.id, { amount: minor, reason: why || undefined, requestId });
        showProgress(refund);
      } catch (err) {
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
          // Refused outright (over the balance, not refundable, not allowed): back to the form with the reason,
          // and with what is really left now (someone else may have refunded meanwhile).
          await refreshBalance();
          showForm();
          setMessage(message, errorText(err));
          onChanged();
        } else {
          // Network or server trouble: stay here; confirming again reuses the same requestId.
          setMessage(confirmMessage, errorText(err));
        }
      }
    });
    replaceChildren(panel, form);
  };

  const showProgress = (created: AdminRefundView) => {
    const line = h('p', { testid: 'refund-progress', 'aria-live': 'polite' });
    const result = messageBox('refund-result');
    result.setAttribute('role', 'status');
    replaceChildren(panel, h('h2', {}, t('refund.heading')), line, result);
    const show = (r: AdminRefundView) => {
      const status = r.awaitingStaff ? t('refundStatus.AWAITING') : t(`refundStatus.${r.status}`);
      line.textContent = t('refund.progress', { amount: money(r.amount, r.currency), status });
      line.dataset.status = r.awaitingStaff ? 'AWAITING' : r.status;
      // Not retried any more: the order page offers retry and cancel.
      if (r.awaitingStaff) return setMessage(result, t('refund.awaitingShort'), 'error');
      if (!FINAL.includes(r.status)) {
        // Still pending: say why when WeChat Pay pushed back (it is retried with the same refund number).
        const why = describeWechatReason(currentLang(), r.lastError);
        return setMessage(result, why ? `${t('refund.waiting')} (${why})` : t('refund.waiting'), 'info');
      }
      if (r.status === 'SUCCESS') setMessage(result, t('refund.done'), 'success');
      else if (r.status === 'CLOSED') setMessage(result, t('refund.closed'), 'error');
      else if (r.status === 'ABNORMAL') setMessage(result, t('refund.abnormal'), 'error');
      else setMessage(result, t('refund.refused', { why: describeWechatReason(currentLang(), r.lastError) || '—' }), 'error');
    };
    show(created);
    onChanged();
    void (async () => {
      let current: AdminRefundView = created;
      const started = Date.now();
      const settled = (r: AdminRefundView) => FINAL.includes(r.status) || r.awaitingStaff !== undefined;
      for (let i = 0; !settled(current); i++) {
        if (Date.now() - started > GIVE_UP_MS) {
          setMessage(result, t('refund.stillRunning'), 'info');
          break;
        }
        try {
          await sleep(POLL_MS[Math.min(i, POLL_MS.length - 1)] ?? 5000, signal);
          current = await api.getRefund(created.id, signal);
          show(current);
        } catch (err) {
          if (isAbort(err)) return;
          setMessage(result, errorText(err), 'error'); // keep polling: a blip must not end the watch
        }
      }
      if (signal.aborted) return;
      if (settled(current)) onChanged();
      panel.append(
        h('div', { class: 'actions' }, h('button', { type: 'button', testid: 'refund-finish', onclick: onClose }, t('common.back'))),
      );
    })();
  };

  showForm();
  return panel;
}
