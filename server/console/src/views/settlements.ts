// Settlement batches by date range and state.
import { api } from '../api';
import { field, h, messageBox, replaceChildren, setMessage, table } from '../dom';
import { errorText, isAbort, money, t } from '../ui';
import type { ViewContext } from './context';
import { yesterday } from './statement';

const compact = (d: string) => d.replace(/-/g, '');
const pretty = (d: string | undefined) => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : (d ?? '—'));

/** CHINA_MAINLAND / CHINA_HONGKONG in words; any other region as WeChat Pay names it. */
function walletRegionText(region: string): string {
  if (region === 'CHINA_MAINLAND') return t('settlements.walletMainland');
  if (region === 'CHINA_HONGKONG') return t('settlements.walletHongKong');
  return region;
}

export function settlementsView(ctx: ViewContext): HTMLElement {
  const q = ctx.query;
  const state = h(
    'select',
    { name: 'state', testid: 'settlements-state' },
    ...(['SETTLED', 'UNSETTLE'] as const).map((s) => h('option', { value: s, selected: q.get('state') === s }, t(`settlements.${s}`))),
  );
  const monthAgo = (() => {
    const d = new Date();
    d.setDate(d.getDate() - 30);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  })();
  const from = h('input', { type: 'date', name: 'from', value: q.get('from') ?? monthAgo, testid: 'settlements-from' });
  const to = h('input', { type: 'date', name: 'to', value: q.get('to') ?? yesterday(), testid: 'settlements-to' });
  const message = messageBox('settlements-error');
  const results = h('div', { class: 'results', testid: 'settlements-results' });
  // Unsettled batches are whatever is pending now: the date range applies to settled ones only.
  const fromField = field(t('common.from'), from);
  const toField = field(t('common.to'), to);
  const syncRange = () => {
    fromField.hidden = toField.hidden = state.value === 'UNSETTLE';
  };
  state.addEventListener('change', syncRange);
  syncRange();
  const form = h(
    'form',
    { class: 'filters' },
    field(t('settlements.state'), state),
    fromField,
    toField,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', testid: 'settlements-search' }, t('common.search'))),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (state.value === 'UNSETTLE') return ctx.navigate('#/settlements?state=UNSETTLE');
    if (!from.value || !to.value) return setMessage(message, t('settlements.needRange'));
    if (from.value > to.value) return setMessage(message, t('orders.badRange'));
    ctx.navigate(`#/settlements?${new URLSearchParams({ state: state.value, from: from.value, to: to.value }).toString()}`);
  });

  // A first visit shows the last 30 days' settled batches at once: rows, or a plain "none".
  const f = q.get('from') ?? from.value;
  const tt = q.get('to') ?? to.value;
  const unsettled = q.get('state') === 'UNSETTLE';
  if (unsettled || (f && tt)) {
    replaceChildren(results, h('p', { class: 'muted' }, t('common.loading')));
    const query = unsettled ? { state: 'UNSETTLE' as const } : { state: 'SETTLED' as const, from: compact(f ?? ''), to: compact(tt ?? '') };
    api.settlements(query, ctx.signal).then(
      (list) => {
        if (!list.items.length) {
          const text = unsettled ? t('settlements.emptyUnsettled') : t('settlements.emptyRange', { from: f, to: tt });
          return replaceChildren(results, h('p', { class: 'card empty', testid: 'settlements-empty' }, text));
        }
        replaceChildren(
          results,
          table(
            [
              t('settlements.batch'),
              t('settlements.date'),
              t('settlements.period'),
              t('settlements.settled'),
              t('settlements.unsettled'),
              t('settlements.pay'),
              t('settlements.refund'),
              t('settlements.fee'),
              t('settlements.net'),
              t('settlements.walletRegion'),
              t('settlements.split'),
            ],
            list.items.map((s) => {
              const c = s.amount.currency;
              const m = (v: number | undefined) => h('span', { class: 'num' }, money(v, c));
              return [
                h('span', { class: 'mono' }, s.batchId),
                pretty(s.settlementDate),
                `${pretty(s.tradeStartDate)} – ${pretty(s.tradeEndDate)}`,
                m(s.amount.settled),
                m(s.amount.unsettle),
                m(s.amount.pay),
                m(s.amount.refund),
                m(s.amount.fee),
                m(s.amount.net),
                h('span', { testid: 'settlement-wallet' }, s.walletRegion ? walletRegionText(s.walletRegion) : '—'),
                s.splitAmount
                  ? h(
                      'span',
                      { class: 'num', testid: 'settlement-split' },
                      t('settlements.splitText', {
                        settled: money(s.splitAmount.settled, s.splitAmount.currency),
                        unsettle: money(s.splitAmount.unsettle, s.splitAmount.currency),
                      }),
                    )
                  : '—',
              ];
            }),
            'settlements-table',
          ),
          h('p', { class: 'muted' }, t('common.total', { total: list.total })),
        );
      },
      (err) => {
        if (isAbort(err)) return;
        replaceChildren(results);
        setMessage(message, errorText(err));
      },
    );
  }
  return h('section', { testid: 'settlements-view' }, h('h1', {}, t('settlements.heading')), form, message, results);
}
