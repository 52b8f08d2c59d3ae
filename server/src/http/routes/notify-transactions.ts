// POST /wechatpay/notify/transactions: no JWT, the raw body is the credential. 204 when handled (or handled
// before); 4xx `{code:"FAIL"}` when it cannot be trusted; 5xx when we failed, so WeChat Pay retries. A deadline,
// counted from the request's arrival (it may have queued for admission), keeps the answer inside WeChat's 5 s.
import Router from '@koa/router';
import type { Logger } from '../../logger';
import type { NotificationAnswer } from '../../domain/payment-notifications';
import type { HeaderSource } from '../../domain/ports/payment-gateway';
import { HttpError } from '../errors';
import { readRawBody } from '../body';

export const NOTIFY_BODY_LIMIT = 64 * 1024;
const DEADLINE_MS = 4500;

export type PaymentNotificationHandler = (headers: HeaderSource, raw: Buffer, log: Logger) => Promise<NotificationAnswer>;

export function notifyTransactionRoutes(handle: PaymentNotificationHandler): Router {
  const r = new Router();
  r.post('/wechatpay/notify/transactions', async (ctx) => {
    const log = ctx.state.log as Logger;
    let answer: NotificationAnswer;
    try {
      const raw = await readRawBody(ctx, NOTIFY_BODY_LIMIT);
      let timer: NodeJS.Timeout | undefined;
      const receivedAt = typeof ctx.state.receivedAt === 'number' ? ctx.state.receivedAt : Date.now();
      const deadline = new Promise<NotificationAnswer>((resolve) => {
        timer = setTimeout(
          () => resolve({ status: 503, message: 'busy, retry later' }),
          Math.max(0, receivedAt + DEADLINE_MS - Date.now()),
        );
      });
      answer = await Promise.race([handle(ctx.headers, raw, log), deadline]).finally(() => clearTimeout(timer));
    } catch (err) {
      if (err instanceof HttpError && err.status === 413) answer = { status: 400, message: 'body too large' };
      else {
        log.error({ err }, 'payment notification handling failed');
        answer = { status: 500, message: 'internal error, retry later' };
      }
    }
    ctx.status = answer.status;
    if (answer.status !== 204) ctx.body = { code: 'FAIL', message: answer.message };
  });
  return r;
}
