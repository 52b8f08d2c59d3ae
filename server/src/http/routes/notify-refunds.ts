// POST /wechatpay/notify/refunds: no JWT; the raw body is the credential (verified in the domain's handler).
// 204 when handled or already handled; 4xx {code:"FAIL"} for anything untrustworthy; 5xx when we failed, so
// WeChat Pay retries.
import Router from '@koa/router';
import type { RefundNotificationAnswer } from '../../domain/refund-notifications';
import type { HeaderSource } from '../../domain/ports/payment-gateway';
import type { Logger } from '../../logger';
import { readRawBody } from '../body';

export type RefundNotificationHandler = (headers: HeaderSource, raw: Buffer, log: Logger) => Promise<RefundNotificationAnswer>;

export function notifyRefundsRoutes(handle: RefundNotificationHandler): Router {
  const router = new Router();
  router.post('/wechatpay/notify/refunds', async (ctx) => {
    let raw: Buffer;
    try {
      raw = await readRawBody(ctx, 64 * 1024);
    } catch {
      ctx.status = 413;
      ctx.body = { code: 'FAIL', message: 'body too large' };
      return;
    }
    const answer = await handle(ctx.headers, raw, ctx.state.log as Logger);
    ctx.status = answer.status;
    if (answer.status !== 204) ctx.body = { code: 'FAIL', message: answer.message };
  });
  return router;
}
