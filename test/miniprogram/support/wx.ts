// A fake `wx` with only the edges of the platform: network, login, payment sheet, storage,
// navigation, system info and a few UI calls. Everything above them is the real Mini Program code.
export interface WxRequest {
  method: string;
  url: string;
  data: unknown;
  header: Record<string, string>;
  timeout?: number;
}

export type WxAnswer = { status: number; body: unknown } | { fail: string };
export type Network = (req: WxRequest) => WxAnswer | Promise<WxAnswer>;

export interface Navigation {
  kind: 'navigateTo' | 'redirectTo' | 'reLaunch' | 'navigateBack' | 'switchTab';
  url?: string;
  delta?: number;
}

export interface PaymentCall {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: string;
  paySign: string;
}

export interface FakeWxOptions {
  network?: Network;
  language?: string;
  /** The code wx.login gives; a function is called per login. null: wx.login fails. */
  loginCode?: (() => string | Promise<string>) | string | null;
  /** The errMsg wx.requestPayment ends with ("requestPayment:ok", "requestPayment:fail cancel"...). */
  payment?: (call: PaymentCall) => string;
}

type Callbacks = { success?: (res: any) => void; fail?: (err: any) => void; complete?: (res: any) => void };

function later(fn: () => void): void {
  setTimeout(fn, 0);
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export class FakeWx {
  readonly storage = new Map<string, unknown>();
  readonly requests: WxRequest[] = [];
  readonly navigations: Navigation[] = [];
  readonly payments: PaymentCall[] = [];
  readonly toasts: string[] = [];
  readonly titles: string[] = [];
  /** wx.setTabBarItem calls: index -> text. */
  readonly tabBar = new Map<number, string>();
  logins = 0;
  network: Network;
  language: string;
  loginCode: FakeWxOptions['loginCode'];
  payment: (call: PaymentCall) => string;

  constructor(options: FakeWxOptions = {}) {
    this.network = options.network ?? (() => ({ fail: 'request:fail no network stub' }));
    this.language = options.language ?? 'en';
    this.loginCode = options.loginCode === undefined ? () => `code-${this.logins}` : options.loginCode;
    this.payment = options.payment ?? (() => 'requestPayment:fail cancel');
  }

  /** Installs this fake as the global `wx`. */
  install(): this {
    (globalThis as any).wx = this.api();
    return this;
  }

  api(): Record<string, unknown> {
    return {
      request: (o: WxRequest & Callbacks) => {
        const req: WxRequest = {
          method: o.method ?? 'GET',
          url: o.url,
          data: clone(o.data),
          header: { ...(o.header ?? {}) },
          timeout: o.timeout,
        };
        this.requests.push(req);
        Promise.resolve()
          .then(() => this.network(req))
          .then(
            (answer) =>
              later(() =>
                'fail' in answer
                  ? o.fail?.({ errMsg: answer.fail })
                  : o.success?.({ statusCode: answer.status, data: clone(answer.body), header: {} }),
              ),
            (err: Error) => later(() => o.fail?.({ errMsg: `request:fail ${err.message}` })),
          );
        return { abort() {} };
      },
      login: (o: Callbacks) => {
        this.logins += 1;
        const source = this.loginCode;
        Promise.resolve()
          .then(() => (typeof source === 'function' ? source() : source))
          .then(
            (code) => later(() => (code ? o.success?.({ code, errMsg: 'login:ok' }) : o.fail?.({ errMsg: 'login:fail' }))),
            () => later(() => o.fail?.({ errMsg: 'login:fail' })),
          );
      },
      requestPayment: (o: PaymentCall & Callbacks) => {
        const call: PaymentCall = {
          timeStamp: o.timeStamp,
          nonceStr: o.nonceStr,
          package: o.package,
          signType: o.signType,
          paySign: o.paySign,
        };
        this.payments.push(call);
        const errMsg = this.payment(call);
        later(() => (errMsg === 'requestPayment:ok' ? o.success?.({ errMsg }) : o.fail?.({ errMsg })));
      },
      getStorageSync: (key: string) => (this.storage.has(key) ? clone(this.storage.get(key)) : ''),
      setStorageSync: (key: string, value: unknown) => void this.storage.set(key, clone(value)),
      removeStorageSync: (key: string) => void this.storage.delete(key),
      navigateTo: (o: { url: string } & Callbacks) => this.navigate({ kind: 'navigateTo', url: o.url }, o),
      redirectTo: (o: { url: string } & Callbacks) => this.navigate({ kind: 'redirectTo', url: o.url }, o),
      reLaunch: (o: { url: string } & Callbacks) => this.navigate({ kind: 'reLaunch', url: o.url }, o),
      switchTab: (o: { url: string } & Callbacks) => this.navigate({ kind: 'switchTab', url: o.url }, o),
      navigateBack: (o: { delta?: number } & Callbacks = {}) => this.navigate({ kind: 'navigateBack', delta: o.delta ?? 1 }, o),
      getSystemInfoSync: () => ({ language: this.language, platform: 'devtools' }),
      getAppBaseInfo: () => ({ language: this.language }),
      setNavigationBarTitle: (o: { title: string }) => void this.titles.push(o.title),
      setTabBarItem: (o: { index: number; text?: string }) => void (o.text !== undefined && this.tabBar.set(o.index, o.text)),
      stopPullDownRefresh: () => undefined,
      showToast: (o: { title: string }) => void this.toasts.push(o.title),
    };
  }

  private navigate(nav: Navigation, o: Callbacks): void {
    this.navigations.push(nav);
    later(() => {
      o.success?.({ errMsg: `${nav.kind}:ok` });
      o.complete?.({ errMsg: `${nav.kind}:ok` });
    });
  }

  /** The last navigation's url, parsed. */
  lastUrl(): { path: string; query: Record<string, string> } | undefined {
    const nav = [...this.navigations].reverse().find((n) => n.url);
    return nav?.url ? parseUrl(nav.url) : undefined;
  }
}

export function parseUrl(url: string): { path: string; query: Record<string, string> } {
  const [path = '', qs = ''] = url.split('?');
  const query: Record<string, string> = {};
  for (const pair of qs.split('&').filter(Boolean)) {
    const [k = '', v = ''] = pair.split('=');
    query[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  return { path, query };
}

/** Resolves when `check` returns a truthy value (polling), or rejects after `ms`. */
export async function until<T>(check: () => T, ms = 10000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
