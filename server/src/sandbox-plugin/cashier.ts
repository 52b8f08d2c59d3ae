// POST /api/sandbox/cashier (SANDBOX=true only): the Mini Program's stand-in for WeChat's payment sheet. It
// forwards the wx.requestPayment parameters to the sandbox's cashier, which verifies paySign like WeChat would.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { SandboxCashierResponse } from '../../../shared/api';
import { DomainError } from '../domain/errors';
import type { OrderService } from '../domain/order-service';
import { customerOf } from '../http/middleware/customer-auth';
import { validate } from '../http/validate';

const schema = z.strictObject({
  orderId: z.string().regex(/^[0-9a-f]{24}$/),
  payment: z.strictObject({
    timeStamp: z.string().regex(/^\d{10}$/),
    nonceStr: z.string().min(1).max(32),
    package: z.string().regex(/^prepay_id=[\w-]{1,128}$/),
    signType: z.literal('RSA'),
    paySign: z.string().min(1).max(1024),
  }),
  action: z.enum(['pay', 'cancel', 'fail']),
});

export function sandboxCashierRoutes(deps: {
  orders: OrderService;
  requireCustomer: Middleware;
  sandboxBaseUrl: string;
  timeoutMs: number;
}): Router {
  const r = new Router();
  r.post('/api/sandbox/cashier', deps.requireCustomer, async (ctx) => {
    const input = validate(schema, ctx.request.body);
    const { openid } = customerOf(ctx);
    await deps.orders.get(openid, input.orderId); // the caller's own order only
    let res: Response;
    try {
      res = await fetch(new URL('/sandbox/cashier/pay', deps.sandboxBaseUrl), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...input.payment, openid, action: input.action }),
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
    } catch {
      throw new DomainError('PAYMENT_PROVIDER_UNAVAILABLE', 'the sandbox cashier is unavailable');
    }
    const body = (await res.json().catch(() => ({}))) as { errMsg?: string; message?: string; code?: string };
    let out: SandboxCashierResponse;
    if (res.ok && body.errMsg === 'requestPayment:ok') out = { result: 'ok' };
    else if (res.ok && body.errMsg === 'requestPayment:fail cancel') out = { result: 'cancel' };
    else out = { result: 'fail', message: body.errMsg ?? body.message ?? `cashier answered ${res.status}` };
    ctx.body = out;
  });
  return r;
}
