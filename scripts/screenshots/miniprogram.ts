// Pictures of every Mini Program page in English and zh-HK, 375 x 667 (an iPhone 8 sized phone), into
// docs/images/miniprogram/<page>.<lang>.png:
//   npx tsx scripts/screenshots/miniprogram.ts [outDir]
// Each page is the real page code and WXML, rendered by miniprogram-simulate (WeChat's template compiler)
// against the in-memory backend the page tests use, then drawn by Chromium (playwright-core, CHROMIUM_PATH or
// /usr/bin/chromium) with the pages' WXSS (rpx at 375 px), a stand-in for WeChat's built-in component styles,
// the navigation bar and, on tab pages, the tab bar of app.json. The zh-HK pictures need a CJK font
// (Debian: fonts-noto-cjk).
// `renderMiniprogramScreenshots(outDir, { smoke: true })` renders and draws everything without writing files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OrderView, PaymentParams, Product, RefundView } from '../../shared/api';

const ROOT = join(__dirname, '..', '..');
const MP_ROOT = join(ROOT, 'miniprogram');
const PRODUCT_IMAGE_DIR = join(ROOT, 'server', 'static', 'product-images');
export const DEFAULT_OUT_DIR = join(ROOT, 'docs', 'images', 'miniprogram');

const WIDTH = 375;
const HEIGHT = 667;
const NAV_BAR = 44;
const TAB_BAR = 50;

export type Lang = 'en' | 'zh-HK';
const LANGS: { lang: Lang; system: string }[] = [
  { lang: 'en', system: 'en' },
  { lang: 'zh-HK', system: 'zh_HK' },
];

export interface Shot {
  name: string;
  lang: Lang;
  file: string;
  bytes: number;
  written: boolean;
}

// ---------- the page environment (jsdom + miniprogram-simulate + the test doubles) ----------

// The Mini Program's own modules and its test doubles are loaded at run time only, and typed here by what this
// script uses: importing their types would bring in the Mini Program's globals (wx, its require) as well.
interface Rendered {
  dom: unknown;
  data: Record<string, any>;
  detach(): void;
}
interface Wx {
  storage: Map<string, unknown>;
  titles: string[];
  tabBar: Map<number, string>;
  install(): Wx;
}
interface Backend {
  products: Product[];
  addOrder(partial: Partial<OrderView> & { id: string }): OrderView;
  payment(orderId: string): PaymentParams;
  override(key: string, answer: { status: number; body: unknown } | { fail: string }, times?: number): void;
  network: unknown;
}
interface Env {
  page: { openPage(name: string, query?: Record<string, string>): Rendered };
  wx: {
    FakeWx: new (options: { network: unknown; language: string }) => Wx;
    until<T>(check: () => T, ms?: number, what?: string): Promise<unknown>;
  };
  backend: { FakeBackend: new () => Backend };
  pay: { sandboxPayment(orderId: string, payment: PaymentParams): Promise<unknown> };
  catalog: (typeof import('../seed-catalog'))['CATALOG'];
  apiBaseUrl: string;
}

/** jsdom as the global document when run outside a jsdom test environment, then the Mini Program support. */
function environment(): Env {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.document === 'undefined') {
    const { JSDOM } = require('jsdom') as typeof import('jsdom');
    const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { pretendToBeVisual: true });
    const w = dom.window as unknown as Record<string, unknown>;
    for (const key of [
      'window',
      'document',
      'navigator',
      'Node',
      'Element',
      'HTMLElement',
      'Event',
      'CustomEvent',
      'MutationObserver',
      'DocumentFragment',
      'Text',
      'getComputedStyle',
      'requestAnimationFrame',
      'cancelAnimationFrame',
    ]) {
      if (g[key] === undefined)
        g[key] = typeof w[key] === 'function' && /^[a-z]/.test(key) ? (w[key] as (...a: unknown[]) => unknown).bind(dom.window) : w[key];
    }
  }
  // Loaded only now: miniprogram-simulate needs the document when it is first required.
  const page = require('../../test/miniprogram/support/page') as Env['page'];
  const generated = require('../../test/miniprogram/support/generated') as { API_BASE_URL: string };
  return {
    page,
    wx: require('../../test/miniprogram/support/wx') as Env['wx'],
    backend: require('../../test/miniprogram/support/backend') as Env['backend'],
    pay: require('../../miniprogram/services/pay') as Env['pay'],
    catalog: (require('../seed-catalog') as typeof import('../seed-catalog')).CATALOG,
    apiBaseUrl: generated.API_BASE_URL,
  };
}

// ---------- what each picture shows ----------

interface Scene {
  name: string;
  page: string;
  query?: Record<string, string>;
  /** The tab bar item selected (tab pages only). */
  tab?: number;
  setup?: (ctx: { backend: Backend; wx: Wx; env: Env }) => void;
  ready: (page: Rendered) => boolean;
}

const HOUR = 3600_000;
/** The pictures' "now", in Hong Kong time, so that they come out the same on every run. */
const NOW = Date.parse('2026-11-23T12:30:00+08:00');
const TIME_ZONE = 'Asia/Hong_Kong';
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();

function products(env: Env): Product[] {
  return env.catalog.map((p) => ({ ...p, currency: 'HKD' }));
}

function line(env: Env, sku: string, quantity: number) {
  const p = env.catalog.find((x) => x.sku === sku)!;
  return { sku, name: { ...p.name }, unitPrice: p.price, quantity, amount: p.price * quantity };
}

function order(env: Env, id: string, lines: [string, number][], extra: Partial<OrderView>): Partial<OrderView> & { id: string } {
  const items = lines.map(([sku, q]) => line(env, sku, q));
  const stamp = '2611230915';
  return {
    id,
    outTradeNo: `M${stamp}${id.padStart(16, '0')}`.slice(0, 29),
    items,
    total: items.reduce((n, i) => n + i.amount, 0),
    currency: 'HKD',
    ...extra,
  };
}

function refund(
  id: string,
  amount: number,
  status: RefundView['status'],
  reason: { en: string; zh: string } | undefined,
  lang: Lang,
  at: string,
): RefundView {
  const r: RefundView = { id, outRefundNo: `R${id}`, amount, currency: 'HKD', status, createdAt: at };
  if (reason) r.reason = lang === 'en' ? reason.en : reason.zh;
  if (status === 'SUCCESS') r.succeededAt = new Date(Date.parse(at) + 60_000).toISOString();
  return r;
}

function scenes(lang: Lang): Scene[] {
  const cart = { 'milk-tea': 2, 'egg-tart': 3, 'pineapple-bun': 1 };
  const withCart = ({ wx }: { wx: Wx }) => void wx.storage.set('cart', { items: cart, requestId: 'screenshot-cart-0001' });
  const ready = (p: Rendered) => p.data.state === 'ready';
  const spilled = { en: 'One cup spilled', zh: '打瀉了一杯' };
  const partlyRefunded = (env: Env) =>
    order(
      env,
      '3',
      [
        ['milk-tea', 2],
        ['egg-tart', 2],
      ],
      {
        status: 'PAID',
        createdAt: iso(26 * HOUR),
        paidAt: iso(26 * HOUR - 60_000),
        refundedAmount: 2800,
        refundableAmount: 4700,
        refunds: [
          refund('1', 2800, 'SUCCESS', spilled, lang, iso(25 * HOUR)),
          refund('2', 950, 'PROCESSING', undefined, lang, iso(HOUR / 4)),
        ],
      },
    );
  return [
    { name: 'catalog', page: 'catalog', tab: 0, setup: withCart, ready },
    { name: 'checkout', page: 'checkout', setup: withCart, ready },
    {
      name: 'pay',
      page: 'pay',
      query: { orderId: '1' },
      setup: ({ backend, env }) =>
        void backend.addOrder(
          order(
            env,
            '1',
            [
              ['milk-tea', 2],
              ['egg-tart', 3],
              ['pineapple-bun', 1],
            ],
            { createdAt: iso(60_000), expiresAt: iso(-29 * 60_000) },
          ),
        ),
      ready,
    },
    {
      name: 'sandbox-cashier',
      page: 'sandbox-cashier',
      query: { orderId: '1' },
      setup: ({ backend, env }) => {
        backend.addOrder(
          order(
            env,
            '1',
            [
              ['milk-tea', 2],
              ['egg-tart', 3],
              ['pineapple-bun', 1],
            ],
            { createdAt: iso(60_000) },
          ),
        );
        void env.pay.sandboxPayment('1', backend.payment('1'));
      },
      ready,
    },
    {
      name: 'result-paid',
      page: 'result',
      query: { orderId: '1', outcome: 'none' },
      setup: ({ backend, env }) =>
        void backend.addOrder(
          order(
            env,
            '1',
            [
              ['milk-tea', 2],
              ['egg-tart', 3],
              ['pineapple-bun', 1],
            ],
            { status: 'PAID', createdAt: iso(60_000), paidAt: iso(30_000) },
          ),
        ),
      ready,
    },
    {
      // The sheet failed; WeChat Pay has not said more yet: the order is still payable.
      name: 'result-not-completed',
      page: 'result',
      query: { orderId: '2', outcome: 'fail' },
      setup: ({ backend, env }) =>
        void backend.addOrder(
          order(
            env,
            '2',
            [
              ['wonton-noodles', 1],
              ['milk-tea', 1],
            ],
            { createdAt: iso(60_000) },
          ),
        ),
      ready,
    },
    {
      name: 'result-failed',
      page: 'result',
      query: { orderId: '2', outcome: 'none' },
      setup: ({ backend, env }) =>
        void backend.addOrder(
          order(
            env,
            '2',
            [
              ['wonton-noodles', 1],
              ['milk-tea', 1],
            ],
            { status: 'FAILED', createdAt: iso(60_000) },
          ),
        ),
      ready,
    },
    {
      name: 'orders',
      page: 'orders',
      tab: 1,
      setup: ({ backend, env }) => {
        backend.addOrder(
          order(env, '5', [['gift-card-500', 1]], {
            status: 'PAID',
            createdAt: iso(72 * HOUR),
            paidAt: iso(72 * HOUR),
            refundedAmount: 50000,
          }),
        );
        backend.addOrder(order(env, '4', [['wonton-noodles', 1]], { status: 'CLOSED', createdAt: iso(50 * HOUR) }));
        backend.addOrder(partlyRefunded(env));
        backend.addOrder(
          order(
            env,
            '2',
            [
              ['wonton-noodles', 1],
              ['milk-tea', 1],
            ],
            { status: 'FAILED', createdAt: iso(2 * HOUR) },
          ),
        );
        backend.addOrder(
          order(
            env,
            '1',
            [
              ['milk-tea', 2],
              ['egg-tart', 3],
              ['pineapple-bun', 1],
            ],
            { createdAt: iso(60_000) },
          ),
        );
      },
      ready,
    },
    {
      name: 'order-detail',
      page: 'order-detail',
      query: { id: '3' },
      setup: ({ backend, env }) => void backend.addOrder(partlyRefunded(env)),
      ready,
    },
    {
      name: 'catalog-offline',
      page: 'catalog',
      tab: 0,
      setup: (ctx) => {
        withCart(ctx);
        ctx.backend.override('GET /api/products', { fail: 'request:fail net::ERR_INTERNET_DISCONNECTED' });
      },
      ready: (p) => p.data.state === 'error',
    },
  ];
}

// ---------- WXSS -> CSS, and WeChat's chrome ----------

const TAGS: Record<string, string> = { view: 'wx-view', text: 'wx-text', button: 'wx-button', image: 'wx-image', page: '.page-root' };

/** A WXSS file as miniprogram-simulate scopes it (".x" -> ".<prefix>--x"), with rpx at a 375 px wide screen. */
export function wxssToCss(wxss: string, prefix: string): string {
  const noComments = wxss.replace(/\/\*[\s\S]*?\*\//g, '');
  return noComments.replace(/([^{}]+)\{([^{}]*)\}/g, (_all, selectors: string, body: string) => {
    const scoped = selectors
      .split(',')
      .map((sel) =>
        sel
          .trim()
          .replace(/\.(-?[_a-zA-Z][-\w]*)/g, `.${prefix}--$1`)
          .replace(
            /(^|[\s>+~])(view|text|button|image|page)(?=[\s.:#[>+~]|$)/g,
            (_m, before: string, tag: string) => `${before}${TAGS[tag]}`,
          ),
      )
      .join(', ');
    const decls = body.replace(/(-?\d*\.?\d+)rpx/g, (_m, n: string) => `${(Number(n) * WIDTH) / 750}px`);
    return `${scoped} {${decls}}\n`;
  });
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function pageCss(page: string): string {
  const app = read(join(MP_ROOT, 'app.wxss'));
  return [
    wxssToCss(app, 'main'),
    wxssToCss(read(join(MP_ROOT, 'pages', page, 'index.wxss')), 'main'),
    // state-view shares the app's styles (styleIsolation: apply-shared); status-tag keeps to its own.
    wxssToCss(app, 'state-view'),
    wxssToCss(read(join(MP_ROOT, 'components', 'state-view', 'index.wxss')), 'state-view'),
    wxssToCss(read(join(MP_ROOT, 'components', 'status-tag', 'index.wxss')), 'status-tag'),
  ].join('\n');
}

/** WeChat's built-in components and page frame, as style v2 draws them (WeUI). */
const BUILTIN_CSS = `
* { box-sizing: border-box; }
html, body { margin: 0; width: ${WIDTH}px; height: ${HEIGHT}px; overflow: hidden; background: #ededed;
  font-family: -apple-system, "Helvetica Neue", "Noto Sans CJK TC", "Noto Sans CJK HK", "Noto Sans CJK SC", sans-serif;
  -webkit-font-smoothing: antialiased; }
wx-view, main, state-view, parent-wrapper { display: block; }
wx-text { display: inline; }
status-tag { display: inline-block; }
wx-image { display: inline-block; overflow: hidden; width: 320px; height: 240px; }
wx-image > img { display: block; width: 100%; height: 100%; object-fit: cover; }
wx-button { position: relative; display: block; width: 184px; margin: 0 auto; padding: 12px 24px; border: 0;
  border-radius: 8px; font-size: 17px; font-weight: 700; line-height: 1.41176471; text-align: center;
  color: #06ae56; background-color: #f2f2f2; overflow: hidden; }
wx-button[type="primary"] { color: #fff; background-color: #07c160; }
wx-button[type="warn"] { color: #fa5151; background-color: #f2f2f2; }
wx-button[disabled] { color: rgba(0, 0, 0, 0.18) !important; background-color: #f2f2f2 !important; }
wx-button[size="mini"] { display: inline-block; width: auto; padding: 0 1.34em; font-size: 13px; line-height: 2.3; }
wx-button[loading]::before { content: ""; display: inline-block; width: 1em; height: 1em; margin-right: 0.4em;
  vertical-align: -0.15em; border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%; }
.nav { position: absolute; top: 0; left: 0; right: 0; height: ${NAV_BAR}px; background: #ededed; display: flex;
  align-items: center; justify-content: center; font-size: 17px; font-weight: 600; color: rgba(0, 0, 0, 0.9); }
.nav__back { position: absolute; left: 14px; top: 13px; width: 12px; height: 12px; border-left: 2.5px solid #111;
  border-bottom: 2.5px solid #111; transform: rotate(45deg); }
.nav__capsule { position: absolute; right: 7px; top: 6px; width: 87px; height: 32px; border-radius: 16px;
  border: 0.5px solid rgba(0, 0, 0, 0.12); background: rgba(255, 255, 255, 0.6); display: flex; align-items: center; }
.nav__capsule i { flex: 1; text-align: center; font-style: normal; font-size: 16px; letter-spacing: 1px; }
.nav__capsule i + i { border-left: 0.5px solid rgba(0, 0, 0, 0.15); }
.viewport { position: absolute; top: ${NAV_BAR}px; left: 0; right: 0; overflow: hidden; transform: translateZ(0); background: #ededed; }
.page-root { min-height: 100%; }
.tabbar { position: absolute; left: 0; right: 0; bottom: 0; height: ${TAB_BAR}px; display: flex; background: #f7f7f7;
  border-top: 0.5px solid rgba(0, 0, 0, 0.2); }
.tabbar__item { flex: 1; display: flex; flex-direction: column; align-items: center; justify-content: center; font-size: 10px; }
.tabbar__item img { width: 27px; height: 27px; margin-bottom: 1px; }
`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

interface TabBarConfig {
  color: string;
  selectedColor: string;
  list: { pagePath: string; text: string; iconPath: string; selectedIconPath: string }[];
}

function dataUrl(path: string): string {
  return `data:image/png;base64,${readFileSync(path).toString('base64')}`;
}

function frame(opts: { title: string; body: string; css: string; tab?: number; tabLabels: Map<number, string>; back: boolean }): string {
  const app = JSON.parse(readFileSync(join(MP_ROOT, 'app.json'), 'utf8')) as { tabBar: TabBarConfig };
  const tabs = app.tabBar;
  const tabBar =
    opts.tab === undefined
      ? ''
      : `<div class="tabbar">${tabs.list
          .map((item, i) => {
            const on = i === opts.tab;
            const label = opts.tabLabels.get(i) ?? item.text;
            return `<div class="tabbar__item" style="color:${on ? tabs.selectedColor : tabs.color}"><img src="${dataUrl(join(MP_ROOT, on ? item.selectedIconPath : item.iconPath))}" alt="">${escapeHtml(label)}</div>`;
          })
          .join('')}</div>`;
  const height = HEIGHT - NAV_BAR - (opts.tab === undefined ? 0 : TAB_BAR);
  return `<!doctype html><html><head><meta charset="utf-8"><style>${BUILTIN_CSS}</style><style>${opts.css}</style></head><body>
<div class="nav">${opts.back ? '<span class="nav__back"></span>' : ''}${escapeHtml(opts.title)}<span class="nav__capsule"><i>•••</i><i>◎</i></span></div>
<div class="viewport" style="height:${height}px"><div class="page-root">${opts.body}</div></div>
${tabBar}</body></html>`;
}

/** The page's DOM as HTML for Chromium: pictures become <img> (WeChat's <image> with mode aspectFill). */
function pageHtml(comp: Rendered): string {
  const root = comp.dom as Element;
  for (const image of Array.from(root.querySelectorAll('wx-image'))) {
    const src = image.getAttribute('src');
    if (!src || image.querySelector('img')) continue;
    const img = image.ownerDocument.createElement('img');
    img.setAttribute('src', src);
    img.setAttribute('alt', image.getAttribute('aria-label') ?? '');
    image.appendChild(img);
  }
  return root.outerHTML;
}

// ---------- rendering ----------

export async function renderMiniprogramScreenshots(outDir: string = DEFAULT_OUT_DIR, opts: { smoke?: boolean } = {}): Promise<Shot[]> {
  const env = environment();
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
  const shots: Shot[] = [];
  const tz = process.env.TZ;
  process.env.TZ = TIME_ZONE;
  try {
    const tab = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 1 });
    // The pages ask the backend for pictures: answered from the files the backend serves.
    await tab.route(`${env.apiBaseUrl}/images/products/*`, (route) => {
      const file = new URL(route.request().url()).pathname.split('/').pop() ?? '';
      return /^[a-z0-9-]+\.png$/.test(file)
        ? route.fulfill({ status: 200, contentType: 'image/png', body: readFileSync(join(PRODUCT_IMAGE_DIR, file)) })
        : route.fulfill({ status: 404 });
    });
    await tab.route(/^(?!data:|about:)/, (route) => (route.request().url().startsWith(env.apiBaseUrl) ? route.fallback() : route.abort()));
    if (!opts.smoke) mkdirSync(outDir, { recursive: true });
    for (const { lang, system } of LANGS) {
      for (const scene of scenes(lang)) {
        const backend = new env.backend.FakeBackend();
        backend.products = products(env);
        const wx = new env.wx.FakeWx({ network: backend.network, language: system }).install();
        scene.setup?.({ backend, wx, env });
        const comp = env.page.openPage(scene.page, scene.query ?? {});
        await env.wx.until(() => scene.ready(comp), 10000, `${scene.name} (${lang}) ready`);
        await new Promise((r) => setTimeout(r, 20)); // taps and setData settle
        const shownText = (comp.dom as Element).textContent ?? '';
        if (/\{\{|undefined|NaN/.test(shownText)) throw new Error(`${scene.name} (${lang}) shows template leftovers: ${shownText}`);
        const html = frame({
          title: wx.titles[wx.titles.length - 1] ?? '',
          body: pageHtml(comp),
          css: pageCss(scene.page),
          tab: scene.tab,
          tabLabels: wx.tabBar,
          back: scene.tab === undefined,
        });
        comp.detach();
        await tab.setContent(html, { waitUntil: 'load' });
        const png = await tab.screenshot({ type: 'png', fullPage: false });
        const file = join(outDir, `${scene.name}.${lang}.png`);
        if (!opts.smoke) writeFileSync(file, png);
        shots.push({ name: scene.name, lang, file, bytes: png.length, written: !opts.smoke });
      }
    }
  } finally {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
    await browser.close();
  }
  return shots;
}

if (require.main === module) {
  renderMiniprogramScreenshots(process.argv[2] ?? DEFAULT_OUT_DIR)
    .then((shots) => {
      for (const s of shots) process.stdout.write(`${s.file.slice(ROOT.length + 1)} ${s.bytes} bytes\n`);
      process.exit(0);
    })
    .catch((err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    });
}
