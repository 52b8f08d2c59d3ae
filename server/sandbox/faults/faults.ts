// Fault injection. One vocabulary of fault names, chosen three ways: per request (X-Sandbox-Fault header),
// armed once by the admin API (optionally matched to a path or an out_trade_no), or by rate from configuration.
// The recovery paths of a client (timeouts, retries, queries, SIGNTEST probes) are tested with these.

/** Faults that apply to an API request. */
export type RequestFault =
  | '500' // 500 SYSTEM_ERROR, nothing done
  | '500-after' // the request is carried out, then the answer is 500 SYSTEM_ERROR (the outcome is unknown to the caller)
  | '503' // 503 SERVICE_UNAVAILABLE, nothing done
  | '429' // 429 FREQUENCY_LIMITED, nothing done
  | 'signtest' // 2xx answer signed with WECHATPAY/SIGNTEST/...
  | 'bad-signature' // 2xx answer whose signature does not verify
  | 'stale-timestamp' // 2xx answer whose Wechatpay-Timestamp is 10 minutes old (correctly signed)
  | 'not-enough' // refund: 403 NOT_ENOUGH
  | `delay:${number}` // answer held this many real milliseconds (the request is carried out)
  | `userpaying:${'200' | '202' | '403'}`; // Quick Pay: the form of a USERPAYING answer

/** Faults that apply to a notification. */
export type NotifyFault = 'notify-drop' | 'notify-duplicate' | 'notify-signtest' | 'notify-stale-timestamp';
/** Outcomes forced on a refund when it settles. */
export type RefundFault = 'refund-closed' | 'refund-abnormal';
export type FaultName = RequestFault | NotifyFault | RefundFault;

export const FAULT_RATE_KEYS = [
  'error500',
  'error503',
  'error429',
  'delay',
  'signtest',
  'staleTimestamp',
  'notifyDrop',
  'notifyDuplicate',
  'notifySigntest',
] as const;
export type FaultRateKey = (typeof FAULT_RATE_KEYS)[number];
export type FaultRates = Partial<Record<FaultRateKey, number>>;

const RATE_FAULT: Record<FaultRateKey, FaultName | 'delay'> = {
  error500: '500',
  error503: '503',
  error429: '429',
  delay: 'delay',
  signtest: 'signtest',
  staleTimestamp: 'stale-timestamp',
  notifyDrop: 'notify-drop',
  notifyDuplicate: 'notify-duplicate',
  notifySigntest: 'notify-signtest',
};

const FIXED = new Set<string>([
  '500',
  '500-after',
  '503',
  '429',
  'signtest',
  'bad-signature',
  'stale-timestamp',
  'not-enough',
  'userpaying:200',
  'userpaying:202',
  'userpaying:403',
  'notify-drop',
  'notify-duplicate',
  'notify-signtest',
  'notify-stale-timestamp',
  'refund-closed',
  'refund-abnormal',
]);

export function isFaultName(s: string): s is FaultName {
  return FIXED.has(s) || /^delay:\d{1,6}$/.test(s);
}

/** Parses "500, delay:3000" into fault names; unknown names are returned apart so the caller can refuse them. */
export function parseFaultList(text: string | undefined): { faults: FaultName[]; unknown: string[] } {
  const faults: FaultName[] = [];
  const unknown: string[] = [];
  for (const raw of (text ?? '').split(',')) {
    const s = raw.trim().toLowerCase();
    if (!s) continue;
    if (isFaultName(s)) faults.push(s);
    else unknown.push(s);
  }
  return { faults, unknown };
}

/** Attach / reason markers: `sandbox:notify-drop` in an order's attach, `sandbox:refund-closed` in a refund reason. */
export function markedFaults(text: string | undefined): FaultName[] {
  if (!text) return [];
  const out: FaultName[] = [];
  for (const m of text.matchAll(/sandbox:([a-z0-9:-]+)/gi)) {
    const name = m[1]!.toLowerCase();
    if (isFaultName(name)) out.push(name);
  }
  return out;
}

export interface ArmedFault {
  id: number;
  fault: FaultName;
  method?: string;
  /** Matches when the request path starts with this. */
  path?: string;
  out_trade_no?: string;
  out_refund_no?: string;
  /** How many more times it fires. */
  times: number;
}

export interface FaultTarget {
  method?: string;
  path?: string;
  out_trade_no?: string;
  out_refund_no?: string;
}

export class FaultBook {
  private armed: ArmedFault[] = [];
  private nextId = 1;

  constructor(
    public rates: FaultRates = {},
    public delayMs = 3000,
    private readonly random: () => number = Math.random,
  ) {}

  arm(f: Omit<ArmedFault, 'id' | 'times'> & { times?: number }): ArmedFault {
    const entry: ArmedFault = { ...f, id: this.nextId++, times: f.times ?? 1 };
    this.armed.push(entry);
    return entry;
  }

  list(): ArmedFault[] {
    return this.armed.map((a) => ({ ...a }));
  }

  reset(): void {
    this.armed = [];
    this.rates = {};
  }

  /** Takes (consumes) the armed faults of `kinds` that match `target`. */
  take(target: FaultTarget, accept: (f: FaultName) => boolean): FaultName[] {
    const out: FaultName[] = [];
    for (const a of this.armed) {
      if (a.times <= 0 || !accept(a.fault)) continue;
      if (a.method && target.method && a.method.toUpperCase() !== target.method.toUpperCase()) continue;
      if (a.method && !target.method) continue;
      if (a.path && !(target.path ?? '').startsWith(a.path)) continue;
      if (a.out_trade_no && a.out_trade_no !== target.out_trade_no) continue;
      if (a.out_refund_no && a.out_refund_no !== target.out_refund_no) continue;
      a.times -= 1;
      out.push(a.fault);
    }
    this.armed = this.armed.filter((a) => a.times > 0);
    return out;
  }

  /** Faults drawn by rate among `keys`. */
  drawn(keys: readonly FaultRateKey[]): FaultName[] {
    const out: FaultName[] = [];
    for (const k of keys) {
      const p = this.rates[k] ?? 0;
      if (p > 0 && this.random() < p) {
        const f = RATE_FAULT[k];
        out.push(f === 'delay' ? (`delay:${this.delayMs}` as FaultName) : f);
      }
    }
    return out;
  }
}

export const REQUEST_RATE_KEYS: readonly FaultRateKey[] = ['error500', 'error503', 'error429', 'delay', 'signtest', 'staleTimestamp'];
export const NOTIFY_RATE_KEYS: readonly FaultRateKey[] = ['notifyDrop', 'notifyDuplicate', 'notifySigntest'];

export const isRequestFault = (f: FaultName): f is RequestFault => !f.startsWith('notify-') && !f.startsWith('refund-');
export const isNotifyFault = (f: FaultName): f is NotifyFault => f.startsWith('notify-');
export const isRefundFault = (f: FaultName): f is RefundFault => f.startsWith('refund-');
