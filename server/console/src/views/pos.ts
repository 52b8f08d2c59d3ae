// Quick Pay at the till: amount, description, then the customer's payment code (a scanner types it and presses
// Enter). USERPAYING means the customer must confirm in WeChat: we keep watching until the charge is final.
import type { OrderStatus, PosChargeResponse } from '../../../../shared/api';
import { parseMajorAmount } from '../amount';
import { api, ApiError, newRequestId } from '../api';
import { field, guardSubmit, h, messageBox, rawDetails, replaceChildren, setMessage } from '../dom';
import { hasKey } from '../i18n';
import { errorText, isAbort, money, sleep, t } from '../ui';
import { amountProblemText } from './amount-text';
import type { ViewContext } from './context';

type PosState = PosChargeResponse['state'];
const FINAL: readonly PosState[] = ['SUCCESS', 'REVOKED', 'PAYERROR', 'CLOSED'];
const AUTH_CODE = /^1[0-5]\d{16}$/;
const WATCH_MS = 150_000;

/**
 * A failed charge in the staff's language: the backend's message is WeChat Pay's `CODE: text` (or only WeChat's
 * text, often Simplified Chinese); the code picks our sentence, WeChat's text stays as detail.
 */
export function posFailureText(message: string | undefined): { text: string; wechat?: string } {
  const m = message ? /^([A-Z][A-Z0-9_]+): ?([\s\S]*)$/.exec(message) : null;
  const key = m ? `posErr.${m[1]}` : '';
  if (m && hasKey(key)) return { text: t('pos.failedBecause', { why: t(key) }), wechat: message };
  return { text: t('pos.failedUnknown'), ...(message ? { wechat: message } : {}) };
}

/** Our order status, as a Quick Pay state (used while watching a USERPAYING charge). */
function fromOrderStatus(status: OrderStatus): PosState {
  return status === 'PAID' ? 'SUCCESS' : status === 'FAILED' ? 'PAYERROR' : status === 'CLOSED' ? 'CLOSED' : 'USERPAYING';
}

export function posView(ctx: ViewContext): HTMLElement {
  const root = h('section', { testid: 'pos-view' });
  const currency = ctx.currency;

  const showForm = () => {
    const amount = h('input', { name: 'amount', inputmode: 'decimal', autocomplete: 'off', required: true, testid: 'pos-amount' });
    const description = h('input', { name: 'description', maxlength: 100, autocomplete: 'off', required: true, testid: 'pos-description' });
    const authCode = h('input', {
      name: 'authCode',
      inputmode: 'numeric',
      autocomplete: 'off',
      maxlength: 18,
      spellcheck: false,
      class: 'mono',
      testid: 'pos-auth-code',
    });
    const message = messageBox('pos-error');
    // While the charge is in flight the server may be waiting for the customer (USERPAYING): say so.
    const progress = h('p', { class: 'message message-info', role: 'status', testid: 'pos-progress' }, t('pos.charging'));
    progress.hidden = true;
    // One key per filled-in form: retrying after a network failure reuses it, a new charge gets a new one.
    let requestId = newRequestId('pos');
    for (const input of [amount, description, authCode]) input.addEventListener('input', () => (requestId = newRequestId('pos')));
    const form = h(
      'form',
      { class: 'card narrow', testid: 'pos-form', novalidate: true },
      h('h1', {}, t('pos.heading')),
      field(t('pos.amount', { currency }), amount),
      field(t('pos.description'), description),
      field(t('pos.authCode'), authCode, t('pos.authCodeHint')),
      message,
      progress,
      h('button', { type: 'submit', class: 'primary', testid: 'pos-charge' }, t('pos.charge')),
    );
    guardSubmit(form, async () => {
      const parsed = parseMajorAmount(amount.value, currency);
      if (!parsed.ok) return setMessage(message, amountProblemText(parsed));
      if (!description.value.trim()) return setMessage(message, t('pos.needDescription'));
      const code = authCode.value.replace(/\s+/g, '');
      if (!AUTH_CODE.test(code)) {
        setMessage(message, t('pos.badCode'));
        authCode.select();
        return;
      }
      setMessage(message, '');
      progress.hidden = false;
      try {
        const res = await api.posCharge({ authCode: code, amount: parsed.minor, description: description.value.trim(), requestId });
        showResult(res);
      } catch (err) {
        progress.hidden = true;
        setMessage(message, errorText(err));
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) authCode.select();
      }
    });
    replaceChildren(root, form);
    amount.focus();
  };

  const showResult = (res: PosChargeResponse) => {
    const state = h('p', { class: 'pos-state', testid: 'pos-state', 'aria-live': 'polite' });
    const note = messageBox('pos-result-error');
    const again = h('button', { type: 'button', class: 'primary', testid: 'pos-new', onclick: showForm }, t('pos.new'));
    // Why it failed, in our words; WeChat Pay's own text one click away.
    const reason = h('div', { testid: 'pos-reason' });
    const show = (s: PosState) => {
      state.dataset.state = s;
      state.className = `pos-state pos-${s.toLowerCase()}`;
      state.textContent = t(`pos.${s}`);
      if (s === 'PAYERROR') {
        const f = posFailureText(res.message);
        replaceChildren(
          reason,
          h('p', { testid: 'pos-failure' }, f.text),
          f.wechat ? rawDetails(t('common.wechatText'), f.wechat, 'pos-wechat-text') : null,
        );
      } else replaceChildren(reason);
      again.hidden = !FINAL.includes(s);
      if (!again.hidden) again.focus(); // Enter starts the next charge
    };
    replaceChildren(
      root,
      h(
        'div',
        { class: 'card narrow', testid: 'pos-result' },
        h('h1', {}, money(res.amount, res.currency)),
        h('p', { class: 'muted' }, t('pos.order'), ' ', h('span', { class: 'mono', testid: 'pos-out-trade-no' }, res.outTradeNo)),
        state,
        reason,
        note,
        again,
      ),
    );
    show(res.state);
    if (FINAL.includes(res.state)) return;
    void (async () => {
      const started = Date.now();
      let s: PosState = res.state;
      while (!FINAL.includes(s) && Date.now() - started < WATCH_MS) {
        try {
          await sleep(1500, ctx.signal);
          const list = await api.listOrders({ outTradeNo: res.outTradeNo, pageSize: 1 }, ctx.signal);
          const order = list.items.find((o) => o.outTradeNo === res.outTradeNo);
          if (order) s = fromOrderStatus(order.status);
          setMessage(note, '');
          show(s);
        } catch (err) {
          if (isAbort(err)) return;
          setMessage(note, errorText(err));
        }
      }
      again.hidden = false;
      again.focus();
    })();
  };

  showForm();
  return root;
}
