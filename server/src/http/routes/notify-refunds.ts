// POST /wechatpay/notify/refunds: no JWT; the raw body is verified and decrypted by the client's parser.
// 204 when handled or already handled; 4xx {code:"FAIL"} for anything untrustworthy; 5xx when we failed, so
// WeChat Pay retries.
import Router from '@koa/router';
import type { PaymentGateway } from '../../payment-gateway';
import { readRawBody } from '../body';
import { handleRefundEvent, type RefundNotificationDeps } from '../../domain/refund-notifications';
import type { Logger } from '../../logger';

export interface NotifyRefundsDeps extends Omit<RefundNotificationDeps, 'identity' | 'logger'> {
  gateway: PaymentGateway;
}

export function notifyRefundsRoutes(deps: NotifyRefundsDeps): Router {
  const router = new Router();
  router.post('/wechatpay/notify/refunds', async (ctx) => {
    const log = ctx.state.log as Logger;
    const fail = (status: number, message: string) => {
      ctx.status = status;
      ctx.body = { code: 'FAIL', message };
    };
    let raw: Buffer;
    try {
      raw = await readRawBody(ctx, 64 * 1024);
    } catch {
      return fail(413, 'body too large');
    }
    let parsed;
    try {
      parsed = await deps.gateway.parseNotification(ctx.headers as Record<string, string>, raw);
    } catch (err) {
      log.error({ err: { message: (err as Error).message } }, 'refund notification: verification unavailable');
      return fail(500, 'verification unavailable');
    }
    if (!parsed.ok) {
      log.warn({ reason: parsed.reason, wxRequestId: parsed.requestId }, 'refund notification rejected');
      return fail(400, parsed.reason);
    }
    try {
      const outcome = await handleRefundEvent({ ...deps, identity: deps.gateway.identity, logger: log }, parsed.event);
      if (outcome === 'rejected') return fail(400, 'not a refund event');
      log.info({ eventId: parsed.event.id, eventType: parsed.event.event_type, outcome }, 'refund notification');
      ctx.status = 204;
    } catch (err) {
      log.error({ err: { message: (err as Error).message } }, 'refund notification failed');
      return fail(500, 'processing failed');
    }
  });
  return router;
}
