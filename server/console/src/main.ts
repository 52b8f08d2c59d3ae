// The console shell: header (navigation by role, language, logout) and a hash router. Each route change aborts
// the previous view's requests and polls through its AbortSignal.
import type { StaffLoginResponse } from '../../../shared/api';
import { api, setUnauthenticatedHandler } from './api';
import { h, replaceChildren } from './dom';
import { LANGS, type Lang } from './i18n';
import { can, type Capability } from './roles';
import { clearSession, currentSession, saveSession } from './session';
import { currentLang, initLang, setLang, t } from './ui';
import type { View } from './views/context';
import { dashboardView } from './views/dashboard';
import { loginView } from './views/login';
import { orderDetailView } from './views/order-detail';
import { ordersView } from './views/orders';
import { posView } from './views/pos';
import { settlementsView } from './views/settlements';
import { reconciliationView } from './views/reconciliation';
import { statementView } from './views/statement';
import { tillsView } from './views/tills';

interface Route {
  name: string;
  capability: Capability;
  view: View;
  nav?: 'nav.orders' | 'nav.dashboard' | 'nav.statements' | 'nav.reconciliation' | 'nav.settlements' | 'nav.pos' | 'nav.tills';
}

const ROUTES: Route[] = [
  { name: 'orders', capability: 'orders', view: (ctx) => (ctx.params[0] ? orderDetailView(ctx) : ordersView(ctx)), nav: 'nav.orders' },
  { name: 'dashboard', capability: 'orders', view: dashboardView, nav: 'nav.dashboard' },
  { name: 'pos', capability: 'pos', view: posView, nav: 'nav.pos' },
  { name: 'statements', capability: 'statements', view: statementView, nav: 'nav.statements' },
  { name: 'reconciliation', capability: 'statements', view: reconciliationView, nav: 'nav.reconciliation' },
  { name: 'settlements', capability: 'settlements', view: settlementsView, nav: 'nav.settlements' },
  { name: 'tills', capability: 'tills', view: tillsView, nav: 'nav.tills' },
];

const app = document.getElementById('app') as HTMLElement;
let currency = 'HKD';
let leave = new AbortController();
let loginNotice: string | undefined;

function parseHash(): { name: string; params: string[]; query: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?', 2);
  const [name = '', ...params] = path
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  return { name, params, query: new URLSearchParams(search) };
}

function navigate(hash: string): void {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function languagePicker(): HTMLElement {
  const select = h(
    'select',
    { 'aria-label': t('lang.label'), testid: 'lang' },
    ...LANGS.map((l) => h('option', { value: l, selected: l === currentLang() }, l === 'en' ? 'English' : '繁體中文')),
  );
  select.addEventListener('change', () => {
    setLang(select.value as Lang);
    render();
  });
  return select;
}

function render(): void {
  leave.abort();
  leave = new AbortController();
  document.title = t('app.title');
  const session = currentSession();
  if (!session) {
    const notice = loginNotice;
    loginNotice = undefined;
    replaceChildren(
      app,
      h('header', { class: 'topbar' }, h('span', { class: 'brand' }, t('app.title')), h('span', { class: 'spacer' }), languagePicker()),
      h('main', {}, loginView(onLoggedIn, notice)),
    );
    return;
  }
  const route = parseHash();
  const allowed = ROUTES.filter((r) => can(session.role, r.capability));
  const current = ROUTES.find((r) => r.name === route.name);
  if (!current) {
    navigate(`#/${allowed[0]?.name ?? 'orders'}`);
    return;
  }
  const nav = h(
    'nav',
    { class: 'mainnav', testid: 'nav' },
    ...allowed.map((r) =>
      h(
        'a',
        {
          href: `#/${r.name}`,
          class: r === current ? 'active' : undefined,
          'aria-current': r === current ? 'page' : undefined,
          testid: `nav-${r.name}`,
        },
        t(r.nav ?? 'nav.orders'),
      ),
    ),
  );
  const who = h('span', { class: 'who', testid: 'who' }, `${session.username} · ${t(`role.${session.role}`)}`);
  const logout = h(
    'button',
    {
      type: 'button',
      class: 'link',
      testid: 'logout',
      onclick: () => {
        clearSession();
        navigate('#/');
        render();
      },
    },
    t('nav.logout'),
  );
  const main = h('main', {});
  // On a phone the navigation, account and language fold into a menu under one button; on a wider screen the
  // button is hidden and everything sits in one row.
  const menu = h(
    'div',
    { class: 'menu', id: 'main-menu', testid: 'menu' },
    nav,
    h('span', { class: 'spacer' }),
    who,
    languagePicker(),
    logout,
  );
  const toggle = h(
    'button',
    { type: 'button', class: 'menu-toggle', 'aria-expanded': 'false', 'aria-controls': 'main-menu', testid: 'menu-toggle' },
    t('nav.menu'),
  );
  toggle.addEventListener('click', () => {
    const open = !menu.classList.contains('open');
    menu.classList.toggle('open', open);
    toggle.setAttribute('aria-expanded', String(open));
  });
  const current_ = h('span', { class: 'current-page' }, t(current.nav ?? 'nav.orders'));
  replaceChildren(app, h('header', { class: 'topbar' }, h('span', { class: 'brand' }, t('app.title')), current_, toggle, menu), main);
  if (!can(session.role, current.capability)) {
    replaceChildren(main, h('p', { class: 'message message-error', testid: 'not-allowed' }, t('common.notAllowed')));
    return;
  }
  main.append(current.view({ session, signal: leave.signal, params: route.params, query: route.query, currency, navigate }));
}

function onLoggedIn(res: StaffLoginResponse): void {
  saveSession(res);
  if (!parseHash().name) location.hash = '#/orders';
  render();
}

setUnauthenticatedHandler(() => {
  loginNotice = t('login.expired');
  render();
});

initLang();
// The priced currency is needed before the POS form can read an amount; the config answer is local and quick.
api
  .config()
  .then((cfg) => {
    currency = cfg.currency;
  })
  .catch(() => {
    // keep the default; the API validates amounts anyway
  })
  .finally(() => {
    window.addEventListener('hashchange', render);
    render();
  });
