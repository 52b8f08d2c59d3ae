// Builds the state scenarios start from: customers logged in, orders created, orders paid at the sandbox, and
// the genuine TRANSACTION.SUCCESS plaintext of a paid order as the sandbox would send it.
import type { CreateOrderResponse } from '../../../shared/api';
import { TransportError, type HttpClient } from './http';
import { runPool } from './pool';
import { activeProduct, createOrder, UnexpectedAnswer } from './shop';
import type { CampaignStack } from './stack';

export interface PlacedOrder {
  user: string;
  token: string;
  id: string;
  outTradeNo: string;
  total: number;
  currency: string;
  payment: CreateOrderResponse['payment'];
}

export async function loginUsers(stack: CampaignStack, prefix: string, count: number): Promise<{ user: string; token: string }[]> {
  const users = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const out = await runPool(users, 8, async (user) => ({ user, token: await stack.loginCustomer(user) }));
  return out.map((r) => {
    if (!r.ok) throw r.error;
    return r.value;
  });
}

/** Creates `count` orders spread over `users`; throws on the first failure (setup must not be flaky). */
export async function placeOrders(
  http: HttpClient,
  stack: CampaignStack,
  users: { user: string; token: string }[],
  count: number,
  tag: string,
  concurrency = 16,
  /** Epoch ms after which no new order is started (the ones placed so far are returned). */
  stopAt = Infinity,
): Promise<PlacedOrder[]> {
  const product = await activeProduct(http);
  const results = await runPool(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async (i): Promise<PlacedOrder | undefined> => {
      if (Date.now() > stopAt) return undefined;
      const u = users[i % users.length]!;
      // Same clientRequestId on a retry: a timed-out or shed creation is repeated without a second order.
      const clientRequestId = `${tag}-${i}-${Date.now().toString(36)}`.slice(0, 64);
      let r: Awaited<ReturnType<typeof createOrder>> | undefined;
      for (let attempt = 1; !r; attempt++) {
        try {
          r = await createOrder(http, u.token, product.sku, clientRequestId);
        } catch (err) {
          // 429: the budget of calls to WeChat Pay (100/s) is spent; a fast stack meets it at 16 creations at once,
          // so this waits the Retry-After it is given (with jitter), more times than for a failure.
          const budget = err instanceof UnexpectedAnswer && err.response.status === 429;
          const retryable =
            budget || err instanceof TransportError || (err instanceof UnexpectedAnswer && [502, 503].includes(err.response.status));
          if (!retryable || attempt >= (budget ? 12 : 4)) throw err;
          const waitMs = budget ? (Number(err.response.headers['retry-after']) || 1) * 1000 * (0.5 + Math.random()) : 500 * attempt;
          await new Promise((done) => setTimeout(done, waitMs));
        }
      }
      return {
        user: u.user,
        token: u.token,
        id: r.order.id,
        outTradeNo: r.order.outTradeNo,
        total: r.order.total,
        currency: r.order.currency,
        payment: r.payment,
      };
    },
  );
  const placed: PlacedOrder[] = [];
  for (const r of results) {
    if (!r.ok) throw r.error;
    if (r.value) placed.push(r.value);
  }
  return placed;
}

export async function payOrders(stack: CampaignStack, orders: PlacedOrder[], concurrency = 16): Promise<void> {
  const results = await runPool(orders, concurrency, (o) => stack.payInSandbox(o.user, o, o.payment as unknown as Record<string, unknown>));
  const failed = results.filter((r) => !r.ok);
  if (failed.length)
    throw new Error(`${failed.length} payments failed at the sandbox, first: ${String((failed[0] as { error: unknown }).error)}`);
}

/** The decrypted TRANSACTION.SUCCESS resource for a paid order, from the sandbox's own ledger view. */
export async function paidTransaction(stack: CampaignStack, outTradeNo: string): Promise<Record<string, unknown>> {
  const view = await stack.sandboxOrder(outTradeNo);
  if (!view || view.trade_state !== 'SUCCESS')
    throw new Error(`order ${outTradeNo} is not paid at the sandbox (${String(view?.trade_state)})`);
  const { prepay_id: _p, refundable: _r, create_time: _c, ...tx } = view;
  return tx;
}
