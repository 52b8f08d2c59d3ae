// A global budget of calls to WeChat Pay, per second, shared by every caller of this process (customer checkouts,
// staff refunds and Quick Pay, the jobs): a burst of orders cannot spend the merchant's API quota, which WeChat
// Pay enforces per merchant (FREQUENCY_LIMITED). Beyond the budget a call fails at once, before anything is sent,
// with TOO_MANY_REQUESTS (429 with Retry-After at the edge; a job retries on its next run). Local work (payment
// parameters, notification parsing) is not counted; `reverse` is counted but never refused: it undoes a Quick
// Pay charge whose outcome is unknown, and the money matters more than the quota.
import { DomainError } from '../domain/errors';
import type { PaymentGateway } from '../domain/ports/payment-gateway';

export interface CallBudget {
  perSecond: number;
}

/** A one-second window counter (in process: N instances spend N budgets; set the budget per instance). */
export class CallWindow {
  private windowStart = 0;
  private used = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one call; false when the budget of the current second is spent (unless `force`). */
  take(force = false): boolean {
    const t = this.now();
    if (t - this.windowStart >= 1000) {
      this.windowStart = t;
      this.used = 0;
    }
    if (this.used >= this.perSecond && !force) return false;
    this.used++;
    return true;
  }
}

export function rateLimitedGateway(inner: PaymentGateway, budget: CallBudget, now: () => number = Date.now): PaymentGateway {
  const window = new CallWindow(budget.perSecond, now);
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (!window.take())
        return Promise.reject(
          new DomainError('TOO_MANY_REQUESTS', 'too many calls to WeChat Pay right now; retry in a moment', { retryAfterSeconds: 1 }),
        );
      return call(...args);
    };
  const out: PaymentGateway = {
    identity: inner.identity,
    paymentParams: (prepayId) => inner.paymentParams(prepayId),
    parseNotification: (headers, raw) => inner.parseNotification(headers, raw),
    ready: () => inner.ready(),
    reverse: (outTradeNo) => {
      window.take(true);
      return inner.reverse(outTradeNo);
    },
    prepay: guard((input) => inner.prepay(input)),
    queryByOutTradeNo: guard((n) => inner.queryByOutTradeNo(n)),
    close: guard((n) => inner.close(n)),
    micropay: guard((input) => inner.micropay(input)),
    refund: guard((req) => inner.refund(req)),
    queryRefund: guard((n) => inner.queryRefund(n)),
    listRefunds: guard((req) => inner.listRefunds(req)),
    statement: guard((d) => inner.statement(d)),
    settlements: guard((q) => inner.settlements(q)),
  };
  return out;
}
