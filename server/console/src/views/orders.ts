// Order search: status, date range, store and any order or refund number, paginated. The filters live in the URL
// hash, so the browser's back button and a copied link both work.
import type { OrderStatus } from '../../../../shared/api';
import { api, type OrderQuery } from '../api';
import { field, h, messageBox, replaceChildren, setMessage, table } from '../dom';
import { errorText, isAbort, money, t, when } from '../ui';
import type { ViewContext } from './context';
import { storeSelect } from './store-select';

const STATUSES: OrderStatus[] = ['PENDING', 'PAID', 'CLOSED', 'FAILED'];
const PAGE_SIZE = 20;

/** The start of a yyyy-mm-dd day in the browser's time zone (+ `plusDays`), as an ISO instant. */
export function localDayStart(day: string | null, plusDays: number): string | undefined {
  const m = day ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(day) : null;
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays).toISOString();
}

export function statusBadge(status: OrderStatus): HTMLElement {
  return h('span', { class: `badge badge-${status.toLowerCase()}`, testid: 'order-status' }, t(`status.${status}`));
}

export function ordersView(ctx: ViewContext): HTMLElement {
  const q = ctx.query;
  const status = h(
    'select',
    { name: 'status', testid: 'filter-status' },
    h('option', { value: '' }, t('common.any')),
    ...STATUSES.map((s) => h('option', { value: s, selected: q.get('status') === s }, t(`status.${s}`))),
  );
  const from = h('input', { type: 'date', name: 'from', value: q.get('from') ?? '', testid: 'filter-from' });
  const to = h('input', { type: 'date', name: 'to', value: q.get('to') ?? '', testid: 'filter-to' });
  // One box for any number staff may hold: ours, WeChat Pay's transaction id, a refund number.
  const outTradeNo = h('input', {
    name: 'q',
    value: q.get('q') ?? q.get('outTradeNo') ?? '',
    maxlength: 64,
    spellcheck: false,
    autocomplete: 'off',
    testid: 'filter-out-trade-no',
  });
  // Shown once there are stores to choose from (or the address names one): a merchant without tills has one place.
  const chosenStore = q.get('store') ?? '';
  const { select: store, loaded: storesLoaded } = storeSelect(ctx, chosenStore, 'filter-store');
  const storeField = field(t('common.store'), store);
  storeField.hidden = !chosenStore;
  void storesLoaded.then((stores) => {
    storeField.hidden = stores.length === 0 && !chosenStore;
  });
  const message = messageBox('orders-error');
  const results = h('div', { class: 'results', testid: 'orders-results' });

  const form = h(
    'form',
    { class: 'filters', testid: 'orders-filter' },
    field(t('orders.status'), status),
    field(t('common.from'), from),
    field(t('common.to'), to),
    storeField,
    field(t('orders.search'), outTradeNo, t('orders.searchHint')),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', testid: 'orders-search' }, t('common.search')),
      h('a', { href: '#/orders', class: 'button' }, t('common.reset')),
    ),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (from.value && to.value && from.value > to.value) {
      setMessage(message, t('orders.badRange'));
      return;
    }
    if (outTradeNo.value.trim() && !/^[A-Za-z0-9_*@|-]{1,64}$/.test(outTradeNo.value.trim())) {
      setMessage(message, t('orders.badSearch'));
      return;
    }
    const next = new URLSearchParams();
    if (status.value) next.set('status', status.value);
    if (from.value) next.set('from', from.value);
    if (to.value) next.set('to', to.value);
    if (store.value) next.set('store', store.value);
    if (outTradeNo.value.trim()) next.set('q', outTradeNo.value.trim());
    ctx.navigate(`#/orders?${next.toString()}`);
  });

  const page = Math.max(1, Number.parseInt(q.get('page') ?? '1', 10) || 1);
  const query: OrderQuery = {
    status: STATUSES.find((s) => s === q.get('status')),
    from: localDayStart(q.get('from'), 0),
    to: localDayStart(q.get('to'), 1), // the "to" day is included: up to the start of the next one
    outTradeNo: q.get('outTradeNo') ?? undefined,
    store: chosenStore || undefined,
    page,
    pageSize: PAGE_SIZE,
  };
  const term = (q.get('q') ?? '').trim();
  let note: string | undefined;
  // A number searched for: the API finds the order by any of its numbers (within the store, if one is chosen); the
  // other filters then narrow it here.
  const load = term
    ? api.search(term, query.store, ctx.signal).then((found) => {
        const items = found.items.filter(
          (o) =>
            (!query.status || o.status === query.status) &&
            (!query.from || o.createdAt >= query.from) &&
            (!query.to || o.createdAt < query.to),
        );
        if (found.matchedBy) note = items.length ? t(`orders.matched.${found.matchedBy}`) : t('orders.filteredOut');
        return { items, page: 1, pageSize: PAGE_SIZE, total: items.length };
      })
    : api.listOrders(query, ctx.signal);
  replaceChildren(results, h('p', { class: 'muted' }, t('common.loading')));
  load.then(
    (list) => {
      if (list.items.length === 0) {
        replaceChildren(results, h('p', { class: 'muted empty', testid: 'orders-empty' }, note ?? t('orders.empty')));
        return;
      }
      const rows = list.items.map((o) => [
        h('a', { href: `#/orders/${encodeURIComponent(o.id)}`, testid: 'order-link', class: 'mono' }, o.outTradeNo),
        statusBadge(o.status),
        h('span', { class: 'num' }, money(o.total, o.currency)),
        h('span', { class: 'num' }, o.refundedAmount ? money(o.refundedAmount, o.currency) : '—'),
        when(o.createdAt),
        when(o.paidAt),
      ]);
      const pages = Math.max(1, Math.ceil(list.total / (list.pageSize || PAGE_SIZE)));
      const link = (p: number) => {
        const n = new URLSearchParams(q);
        n.set('page', String(p));
        return `#/orders?${n.toString()}`;
      };
      replaceChildren(
        results,
        note ? h('p', { class: 'muted', testid: 'orders-matched' }, note) : null,
        table(
          [t('orders.outTradeNo'), t('orders.status'), t('orders.total'), t('orders.refunded'), t('orders.created'), t('orders.paid')],
          rows,
          'orders-table',
        ),
        h(
          'nav',
          { class: 'pager' },
          page > 1 ? h('a', { href: link(page - 1), class: 'button' }, t('common.prev')) : null,
          h('span', { class: 'muted' }, `${t('common.page', { page, pages })} · ${t('common.total', { total: list.total })}`),
          page < pages ? h('a', { href: link(page + 1), class: 'button', testid: 'orders-next' }, t('common.next')) : null,
        ),
      );
    },
    (err) => {
      if (isAbort(err)) return;
      replaceChildren(results);
      setMessage(message, errorText(err));
    },
  );

  return h('section', { testid: 'orders-view' }, h('h1', {}, t('orders.heading')), form, message, results);
}
