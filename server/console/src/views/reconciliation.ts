// The daily reconciliation job's results: the days with their state (and the settlement batch that settled each),
// one day's differences, and a CSV export of them. Nothing is downloaded from WeChat Pay here: the job did it.
import type { ReconciliationDay, ReconciliationDayDetail } from '../../../../shared/api';
import { api, ApiError, downloadReconciliationCsv } from '../api';
import { h, messageBox, replaceChildren, setMessage, table } from '../dom';
import { errorText, isAbort, money, t, when } from '../ui';
import type { ViewContext } from './context';
import { highlighted } from './statement';

const pretty = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

function stateBadge(d: ReconciliationDay): HTMLElement {
  return h('span', { class: `badge recon-${d.state}`, testid: `recon-state-${d.date}` }, t(`recon.state.${d.state}`));
}

function settledBy(d: ReconciliationDay): HTMLElement {
  if (!d.settlement) return h('span', { class: 'muted' }, t('recon.notSettled'));
  const on = d.settlement.settlementDate ? ` · ${pretty(d.settlement.settlementDate)}` : '';
  return h('span', { class: 'mono' }, `${d.settlement.batchId}${on}`);
}

export function reconciliationView(ctx: ViewContext): HTMLElement {
  const date = ctx.params[0];
  return date && /^\d{8}$/.test(date) ? dayView(ctx, date) : listView(ctx);
}

function listView(ctx: ViewContext): HTMLElement {
  const message = messageBox('recon-error');
  const results = h('div', { class: 'results', testid: 'recon-days' }, h('p', { class: 'muted' }, t('common.loading')));
  api.reconciliationDays(ctx.signal).then(
    (list) => {
      if (!list.items.length) return replaceChildren(results, h('p', { class: 'card empty', testid: 'recon-empty' }, t('recon.empty')));
      replaceChildren(
        results,
        table(
          [t('recon.date'), t('recon.state'), t('recon.rows'), t('recon.differences'), t('recon.settlement'), t('recon.attempts')],
          list.items.map((d) => [
            h('a', { href: `#/reconciliation/${d.date}`, testid: `recon-day-${d.date}` }, pretty(d.date)),
            stateBadge(d),
            h('span', { class: 'num' }, d.rows ?? '—'),
            h('span', { class: 'num' }, d.differences ?? '—'),
            settledBy(d),
            h('span', { class: 'num' }, d.attempts),
          ]),
          'recon-table',
        ),
      );
    },
    (err) => {
      if (isAbort(err)) return;
      replaceChildren(results);
      setMessage(message, errorText(err));
    },
  );
  return h(
    'section',
    { testid: 'recon-view' },
    h('h1', {}, t('recon.heading')),
    h('p', { class: 'muted' }, t('recon.intro')),
    message,
    results,
  );
}

function dayView(ctx: ViewContext, date: string): HTMLElement {
  const message = messageBox('recon-error');
  const results = h('div', { testid: 'recon-day' }, h('p', { class: 'muted' }, t('common.loading')));
  api.reconciliationDay(date, ctx.signal).then(
    (detail) => replaceChildren(results, renderDay(detail, ctx.currency, message)),
    (err) => {
      if (isAbort(err)) return;
      replaceChildren(results);
      if (err instanceof ApiError && err.status === 404) setMessage(message, t('recon.notFound', { date: pretty(date) }), 'info');
      else setMessage(message, errorText(err));
    },
  );
  return h(
    'section',
    { testid: 'recon-day-view' },
    h('p', {}, h('a', { href: '#/reconciliation', testid: 'recon-back' }, t('recon.back'))),
    h('h1', {}, t('recon.dayHeading', { date: pretty(date) })),
    message,
    results,
  );
}

function renderDay({ day, differences }: ReconciliationDayDetail, fallbackCurrency: string, message: HTMLElement): HTMLElement {
  const c = day.totals?.currency ?? fallbackCurrency;
  const facts = [
    [t('recon.state'), stateBadge(day)],
    [t('recon.attempts'), String(day.attempts)],
    ...(day.rows !== undefined ? [[t('statement.rows'), String(day.rows)]] : []),
    ...(day.totals
      ? [
          [t('statement.payments'), money(day.totals.payments, c)],
          [t('statement.refunds'), money(day.totals.refunds, c)],
          [t('recon.fees'), money(day.totals.fees, c)],
        ]
      : []),
    ...(day.sha1 ? [[t('statement.sha1'), h('span', { class: 'mono' }, day.sha1)]] : []),
    [t('recon.settlement'), settledBy(day)],
    ...(day.nextAttemptAt ? [[t('recon.nextAttempt'), when(day.nextAttemptAt)]] : []),
    ...(day.lastError ? [[t('recon.lastError'), day.lastError]] : []),
  ] as Array<[string, string | HTMLElement]>;
  const summary = h('dl', { class: 'summary', testid: 'recon-summary' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  const done = day.state === 'reconciled' || day.state === 'differences';
  const exportButton = h('button', { type: 'button', testid: 'recon-export' }, t('recon.export'));
  exportButton.addEventListener('click', () => {
    exportButton.disabled = true;
    // Enabled again once the download is over (not before: a second click would download it twice).
    downloadReconciliationCsv(day.date)
      .then(
        (name) => setMessage(message, t('recon.exported', { name }), 'success'),
        (err) => setMessage(message, errorText(err)),
      )
      .finally(() => (exportButton.disabled = false));
  });
  const diffs = differences.length
    ? highlighted(differences, c)
    : h('p', { class: 'message message-success', testid: 'recon-clean' }, t('statement.noDifferences'));
  return h(
    'div',
    {},
    h('div', { class: 'card' }, summary),
    done
      ? h(
          'div',
          { class: 'card' },
          h('h2', {}, t('statement.differences', { count: differences.length })),
          differences.length ? h('div', { class: 'actions' }, exportButton) : '',
          diffs,
        )
      : '',
  );
}
