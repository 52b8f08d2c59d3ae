// Quick Pay at the till: the till (remembered on this device), amount, description, optionally the items sold,
// then the customer's payment code (a scanner types it and presses Enter). USERPAYING means the customer must
// confirm in WeChat: we keep watching until the charge is final.
import type { OrderStatus, PosChargeResponse, PosItem, TillView } from '../../../../shared/api';
import type { CurrencyCode } from '../../../../shared/money';
import { minorToMajorString, parseMajorAmount } from '../amount';
import { api, ApiError, newRequestId } from '../api';
import { field, guardSubmit, h, messageBox, rawDetails, replaceChildren, setMessage } from '../dom';
import { hasKey } from '../i18n';
import { errorText, isAbort, money, sleep, t } from '../ui';
import { amountProblemText } from './amount-text';
import type { ViewContext } from './context';
import { rememberedTill, rememberTill, tillText } from './till-text';

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

/** The items editor: rows of name, quantity and unit price; while it has rows, the amount is their total. */
function itemsEditor(currency: string, onChange: (total: number | undefined) => void) {
  const rows: Array<{ el: HTMLElement; name: HTMLInputElement; qty: HTMLInputElement; price: HTMLInputElement }> = [];
  const list = h('div', { class: 'pos-items', testid: 'pos-items' });
  const add = h('button', { type: 'button', testid: 'pos-add-item' }, t('pos.addItem'));
  const read = (): { items: PosItem[]; bad?: number } => {
    const items: PosItem[] = [];
    for (const [i, r] of rows.entries()) {
      const price = parseMajorAmount(r.price.value, currency as CurrencyCode);
      const qty = /^\d{1,4}$/.test(r.qty.value.trim()) ? Number(r.qty.value.trim()) : 0;
      if (!r.name.value.trim() || qty < 1 || !price.ok) return { items, bad: i + 1 };
      items.push({ name: r.name.value.trim(), quantity: qty, unitPrice: price.minor });
    }
    return { items };
  };
  const changed = () => {
    rows.forEach((r, i) => {
      r.name.setAttribute('aria-label', t('pos.itemName', { n: i + 1 }));
      r.qty.setAttribute('aria-label', t('pos.itemQty', { n: i + 1 }));
      r.price.setAttribute('aria-label', t('pos.itemPrice', { n: i + 1, currency }));
      r.el.querySelector('button')?.setAttribute('aria-label', t('pos.removeItem', { n: i + 1 }));
    });
    const { items, bad } = read();
    onChange(rows.length ? (bad ? undefined : items.reduce((s, x) => s + x.quantity * x.unitPrice, 0)) : undefined);
  };
  add.addEventListener('click', () => {
    const name = h('input', { name: 'itemName', autocomplete: 'off', maxlength: 80, class: 'pos-item-name', testid: 'pos-item-name' });
    const qty = h('input', {
      name: 'itemQty',
      inputmode: 'numeric',
      autocomplete: 'off',
      value: '1',
      class: 'pos-item-qty',
      testid: 'pos-item-qty',
    });
    const price = h('input', {
      name: 'itemPrice',
      inputmode: 'decimal',
      autocomplete: 'off',
      class: 'pos-item-price',
      testid: 'pos-item-price',
    });
    const remove = h('button', { type: 'button', class: 'link', testid: 'pos-remove-item' }, '×');
    const el = h('div', { class: 'pos-item' }, name, qty, price, remove);
    const row = { el, name, qty, price };
    remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1);
      el.remove();
      changed();
      add.focus();
    });
    for (const input of [name, qty, price]) input.addEventListener('input', changed);
    rows.push(row);
    list.append(el);
    changed();
    name.focus();
  });
  const box = h(
    'details',
    { class: 'pos-items-box', testid: 'pos-items-box' },
    h('summary', {}, t('pos.items')),
    h('p', { class: 'hint' }, t('pos.itemsHint')),
    list,
    add,
  );
  return { box, read, count: () => rows.length };
}

export function posView(ctx: ViewContext): HTMLElement {
  const root = h('section', { testid: 'pos-view' });
  const currency = ctx.currency;
  // The tills are read once per visit; the form waits for nothing (a failed read leaves charging without a till).
  let tills: TillView[] | undefined;
  const tillsLoaded = api.tills(ctx.signal).then(
    (r) => {
      tills = r.items.filter((x) => x.active);
      return tills;
    },
    (err: unknown) => {
      if (!isAbort(err)) tills = [];
      throw err;
    },
  );

  const showForm = () => {
    const tillSelect = h('select', { name: 'till', testid: 'pos-till' });
    const tillField = field(t('pos.till'), tillSelect, t('pos.tillHint'));
    tillField.hidden = true;
    const tillNote = h('p', { class: 'message message-info', testid: 'pos-no-tills' }, t('pos.noTills'));
    tillNote.hidden = true;
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
    const renew = () => (requestId = newRequestId('pos'));
    for (const input of [amount, description, authCode, tillSelect]) input.addEventListener('input', renew);
    const items = itemsEditor(currency, (total) => {
      renew();
      // With items listed the amount is their total (empty while a line is incomplete).
      amount.readOnly = items.count() > 0;
      if (amount.readOnly) amount.value = total === undefined ? '' : minorToMajorString(total, currency as CurrencyCode);
    });
    tillSelect.addEventListener('change', () => rememberTill(tillSelect.value || undefined));
    void tillsLoaded.then(
      (active) => {
        if (!active.length) {
          tillNote.hidden = false;
          return;
        }
        // The till this device charged at, while it is in use; the only till when none was chosen yet. A till
        // disabled since is forgotten and the cashier chooses again (never silently another store's till).
        const saved = rememberedTill();
        const chosen = saved ? (active.find((x) => x.id === saved)?.id ?? '') : active.length === 1 ? active[0]!.id : '';
        if (saved && !chosen) rememberTill(undefined);
        replaceChildren(
          tillSelect,
          h('option', { value: '' }, t('pos.chooseTill')),
          ...active.map((x) => h('option', { value: x.id, selected: x.id === chosen }, tillText(x))),
        );
        tillField.hidden = false;
      },
      (err: unknown) => {
        if (!isAbort(err)) setMessage(message, errorText(err));
      },
    );
    const form = h(
      'form',
      { class: 'card narrow', testid: 'pos-form', novalidate: true },
      h('h1', {}, t('pos.heading')),
      tillField,
      tillNote,
      field(t('pos.amount', { currency }), amount),
      field(t('pos.description'), description),
      items.box,
      field(t('pos.authCode'), authCode, t('pos.authCodeHint')),
      message,
      progress,
      h('button', { type: 'submit', class: 'primary', testid: 'pos-charge' }, t('pos.charge')),
    );
    guardSubmit(form, async () => {
      await tillsLoaded.catch(() => undefined); // whether tills exist decides whether one must be chosen
      const tillId = tillSelect.value || undefined;
      if (!tillId && tills?.length) {
        setMessage(message, t('pos.needTill'));
        tillSelect.focus();
        return;
      }
      const listed = items.read();
      if (listed.bad) return setMessage(message, t('pos.itemIncomplete', { n: listed.bad }));
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
        const res = await api.posCharge({
          authCode: code,
          amount: parsed.minor,
          description: description.value.trim(),
          requestId,
          ...(tillId ? { tillId } : {}),
          ...(listed.items.length ? { items: listed.items } : {}),
        });
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
        res.till ? h('p', { class: 'muted', testid: 'pos-result-till' }, t('pos.at', { till: tillText(res.till) })) : null,
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
