// Today, 7 or 30 days at a glance: sales, refunds, net, payments and payment success rate, a chart per day with
// the figures as a table under it, and the CSV exports of orders and refunds for a date range.
import type { DashboardReport } from '../../../../shared/api';
import { api, downloadExport } from '../api';
import { field, guardSubmit, h, messageBox, replaceChildren, setMessage, table } from '../dom';
import { currentLang, errorText, isAbort, money, t } from '../ui';
import { salesChart } from './chart';
import type { ViewContext } from './context';

const PERIODS = [1, 7, 30] as const;

/** The browser's offset from UTC in minutes (480 in Hong Kong), so days are the staff's days. */
export function utcOffsetNow(): number {
  return -new Date().getTimezoneOffset();
}

function localDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function dashboardView(ctx: ViewContext): HTMLElement {
  const days = PERIODS.find((p) => String(p) === ctx.query.get('days')) ?? 7;
  const message = messageBox('dashboard-error');
  const results = h('div', { testid: 'dashboard-results' }, h('p', { class: 'muted' }, t('common.loading')));
  const periods = h(
    'nav',
    { class: 'segmented', 'aria-label': t('dashboard.period'), testid: 'dashboard-periods' },
    ...PERIODS.map((p) =>
      h(
        'a',
        {
          href: `#/dashboard?days=${p}`,
          class: p === days ? 'active' : undefined,
          'aria-current': p === days ? 'page' : undefined,
          testid: `dashboard-days-${p}`,
        },
        p === 1 ? t('dashboard.today') : t('dashboard.days', { days: p }),
      ),
    ),
  );

  api.dashboard(days, utcOffsetNow(), ctx.signal).then(
    (r) => replaceChildren(results, renderReport(r)),
    (err) => {
      if (isAbort(err)) return;
      replaceChildren(results);
      setMessage(message, errorText(err));
    },
  );

  return h(
    'section',
    { testid: 'dashboard-view' },
    h('header', { class: 'title-row' }, h('h1', {}, t('dashboard.heading')), periods),
    message,
    results,
    exportForm(),
  );
}

function renderReport(r: DashboardReport): HTMLElement {
  const c = r.currency;
  const tile = (label: string, value: string, testid: string, hint?: string) =>
    h(
      'div',
      { class: 'tile', testid },
      h('div', { class: 'tile-label' }, label),
      h('div', { class: 'tile-value num' }, value),
      hint ? h('div', { class: 'hint' }, hint) : null,
    );
  const created = r.totals.created;
  const decided = created.paid + created.failed + created.closed;
  const rate =
    r.totals.paymentSuccessRate === null
      ? '—'
      : new Intl.NumberFormat(currentLang(), { style: 'percent', maximumFractionDigits: 1 }).format(r.totals.paymentSuccessRate);
  const tiles = h(
    'div',
    { class: 'tiles' },
    tile(t('dashboard.sales'), money(r.totals.sales, c), 'dashboard-sales'),
    tile(t('dashboard.refunds'), money(r.totals.refunds, c), 'dashboard-refunds'),
    tile(t('dashboard.net'), money(r.totals.net, c), 'dashboard-net'),
    tile(t('dashboard.payments'), String(r.totals.payments), 'dashboard-payments'),
    tile(
      t('dashboard.successRate'),
      rate,
      'dashboard-rate',
      decided ? t('dashboard.successRateHint', { paid: created.paid, decided, pending: created.pending }) : t('dashboard.noRate'),
    ),
  );
  const short = new Intl.DateTimeFormat(currentLang() === 'zh-HK' ? 'zh-HK' : 'en-GB', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const day = (d: string) => short.format(new Date(`${d}T00:00:00Z`));
  const first = r.perDay[0]?.date ?? '';
  const last = r.perDay.at(-1)?.date ?? '';
  const max = Math.max(0, ...r.perDay.map((d) => Math.max(d.sales, d.refunds)));
  const chart = salesChart(r.perDay, {
    label: t('dashboard.chartLabel', { from: first, to: last, max: money(max, c) }),
    sales: t('dashboard.sales'),
    refunds: t('dashboard.refunds'),
    format: (v) => money(v, c),
    day,
  });
  const legend = h(
    'p',
    { class: 'legend' },
    h('span', { class: 'key key-sales' }),
    t('dashboard.sales'),
    ' ',
    h('span', { class: 'key key-refunds' }),
    t('dashboard.refunds'),
  );
  const figures = table(
    [t('dashboard.date'), t('dashboard.sales'), t('dashboard.refunds'), t('dashboard.net'), t('dashboard.payments')],
    [...r.perDay]
      .reverse()
      .map((d) => [
        d.date,
        h('span', { class: 'num' }, money(d.sales, c)),
        h('span', { class: 'num' }, money(d.refunds, c)),
        h('span', { class: 'num' }, money(d.net, c)),
        h('span', { class: 'num' }, d.payments),
      ]),
    'dashboard-table',
  );
  return h(
    'div',
    {},
    tiles,
    h('div', { class: 'card' }, h('h2', {}, t('dashboard.chart')), legend, h('div', { class: 'chart-box' }, chart)),
    h('details', { class: 'card', testid: 'dashboard-figures' }, h('summary', {}, t('dashboard.table')), figures),
  );
}

function exportForm(): HTMLElement {
  const today = new Date();
  const monthAgo = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29);
  const from = h('input', { type: 'date', name: 'from', value: localDate(monthAgo), required: true, testid: 'export-from' });
  const to = h('input', { type: 'date', name: 'to', value: localDate(today), required: true, testid: 'export-to' });
  const message = messageBox('export-message');
  let kind: 'orders' | 'refunds' = 'orders';
  const form = h(
    'form',
    { class: 'card', testid: 'export-form', novalidate: true },
    h('h2', {}, t('dashboard.export')),
    h('p', { class: 'hint' }, t('dashboard.exportHint')),
    h('div', { class: 'filters plain' }, field(t('common.from'), from), field(t('common.to'), to)),
    message,
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'submit', class: 'primary', testid: 'export-orders', onclick: () => (kind = 'orders') },
        t('dashboard.exportOrders'),
      ),
      h('button', { type: 'submit', testid: 'export-refunds', onclick: () => (kind = 'refunds') }, t('dashboard.exportRefunds')),
    ),
  );
  guardSubmit(form, async () => {
    if (!from.value || !to.value) return setMessage(message, t('settlements.needRange'));
    if (from.value > to.value) return setMessage(message, t('orders.badRange'));
    setMessage(message, t('dashboard.exporting'), 'info');
    try {
      const name = await downloadExport(kind, from.value, to.value, utcOffsetNow());
      setMessage(message, t('dashboard.exported', { name }), 'success');
    } catch (err) {
      setMessage(message, errorText(err));
    }
  });
  return form;
}
