// A day's statement from WeChat Pay, reconciled against our records; every difference is a highlighted row.
// The store filter limits both sides to the orders charged at that store's tills.
import type { ReconciliationDiff, StatementReport } from '../../../../shared/api';
import { api, ApiError } from '../api';
import { field, h, messageBox, replaceChildren, setMessage, table } from '../dom';
import { currentLang, errorText, isAbort, money, t } from '../ui';
import type { ViewContext } from './context';
import { storeLabel, storeSelect } from './store-select';

/** Yesterday in the browser's calendar, as yyyy-mm-dd (today's statement is not ready until tomorrow). */
export function yesterday(now = new Date()): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * When WeChat Pay's statement of the GMT+8 day `yyyy-mm-dd` can be downloaded: statements are of past days only
 * (the seeds: merchants download "historical" statements, daily), so from the start of the next GMT+8 day.
 */
export function statementAvailableFrom(day: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1) - 8 * 3600_000);
}

/** The sentence for a day WeChat Pay has no statement for (yet). */
export function statementMissingText(day: string, now = new Date()): string {
  const from = statementAvailableFrom(day);
  const fromText = new Intl.DateTimeFormat(currentLang() === 'zh-HK' ? 'zh-HK' : 'en-GB', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(from);
  return now < from ? t('statement.notYet', { date: day, from: fromText }) : t('statement.none', { date: day, from: fromText });
}

export function statementView(ctx: ViewContext): HTMLElement {
  const date = h('input', {
    type: 'date',
    name: 'date',
    required: true,
    value: ctx.query.get('date') ?? yesterday(),
    testid: 'statement-date',
  });
  const chosenStore = ctx.query.get('store') ?? '';
  const { select: store, loaded: storesLoaded } = storeSelect(ctx, chosenStore, 'statement-store');
  const message = messageBox('statement-error');
  const results = h('div', { testid: 'statement-results' });
  const form = h(
    'form',
    { class: 'filters' },
    field(t('statement.date'), date),
    field(t('common.store'), store),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', testid: 'statement-load' }, t('statement.load'))),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams({ date: date.value });
    if (store.value) q.set('store', store.value);
    if (date.value) ctx.navigate(`#/statements?${q.toString()}`);
  });

  const chosen = ctx.query.get('date');
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10); // WeChat Pay's (GMT+8) day
  if (chosen && /^\d{4}-\d{2}-\d{2}$/.test(chosen) && chosen > today) {
    // A day that has not ended cannot have a statement: say from when, without asking.
    setMessage(message, statementMissingText(chosen), 'info');
  } else if (chosen && /^\d{4}-\d{2}-\d{2}$/.test(chosen)) {
    replaceChildren(results, h('p', { class: 'muted' }, t('common.loading')));
    Promise.all([api.statement(chosen.replace(/-/g, ''), chosenStore || undefined, ctx.signal), storesLoaded]).then(
      ([report, stores]) => {
        const s = stores.find((x) => x.id === report.store);
        const name = s ? storeLabel(s) : (report.store ?? '');
        replaceChildren(
          results,
          report.store
            ? h('p', { class: 'message message-info', testid: 'statement-store-note' }, t('statement.storeNote', { store: name }))
            : null,
          renderReport(report),
        );
      },
      (err) => {
        if (isAbort(err)) return;
        replaceChildren(results);
        if (err instanceof ApiError && err.status === 404) setMessage(message, statementMissingText(chosen), 'info');
        else setMessage(message, errorText(err));
      },
    );
  }
  return h('section', { testid: 'statement-view' }, h('h1', {}, t('statement.heading')), form, message, results);
}

function renderReport(r: StatementReport): HTMLElement {
  const c = r.totals.currency;
  const totals = h(
    'dl',
    { class: 'summary', testid: 'statement-totals' },
    h('dt', {}, t('statement.rows')),
    h('dd', {}, r.rows),
    h('dt', {}, t('statement.payments')),
    h('dd', { class: 'num' }, money(r.totals.payments, c)),
    h('dt', {}, t('statement.refunds')),
    h('dd', { class: 'num' }, money(r.totals.refunds, c)),
    h('dt', {}, t('statement.sha1')),
    h('dd', { class: 'mono' }, r.sha1),
  );
  const diffs = r.differences.length
    ? highlighted(r.differences, c)
    : h('p', { class: 'message message-success', testid: 'statement-clean' }, t('statement.noDifferences'));
  return h(
    'div',
    {},
    h('div', { class: 'card' }, totals),
    h('div', { class: 'card' }, h('h2', {}, t('statement.differences', { count: r.differences.length })), diffs),
  );
}

function side(v: ReconciliationDiff['wechat'], currency: string): string {
  if (!v) return '—';
  return [v.state, v.amount === undefined ? undefined : money(v.amount, currency)].filter(Boolean).join(' · ') || '—';
}

export function highlighted(diffs: ReconciliationDiff[], currency: string): HTMLTableElement {
  const tbl = table(
    [t('statement.kind'), t('orders.outTradeNo'), t('order.refundNo'), t('statement.wechat'), t('statement.local')],
    diffs.map((d) => [
      t(`diff.${d.kind}`),
      h('span', { class: 'mono' }, d.outTradeNo),
      h('span', { class: 'mono' }, d.outRefundNo ?? '—'),
      side(d.wechat, currency),
      side(d.local, currency),
    ]),
    'statement-differences',
  );
  tbl.querySelectorAll('tbody tr').forEach((row, i) => row.classList.add('diff', `diff-${diffs[i]?.kind ?? ''}`));
  return tbl;
}
