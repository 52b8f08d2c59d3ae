// POST /api/sandbox/login-code (SANDBOX=true only): a wx.login code minted by the sandbox for a test user.
// In WeChat DevTools wx.login returns codes that only WeChat's servers can resolve; against the sandbox the
// Mini Program asks here instead, then logs in through POST /api/auth/login exactly as with a real code.
import Router from '@koa/router';
import { z } from 'zod';
import type { SandboxLoginCodeResponse } from '../../../shared/api';
import { DomainError } from '../domain/errors';
import { validate } from '../http/validate';

const schema = z.strictObject({ user: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/) });

export function sandboxLoginRoutes(deps: { wechatApiBaseUrl: string; appid: string; timeoutMs: number }): Router {
  const r = new Router();
  r.post('/api/sandbox/login-code', async (ctx) => {
    const { user } = validate(schema, ctx.request.body);
    const url = new URL('/sandbox/wxlogin-code', deps.wechatApiBaseUrl);
    url.searchParams.set('user', user);
    url.searchParams.set('appid', deps.appid);
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(deps.timeoutMs) });
    } catch {
      throw new DomainError('PAYMENT_PROVIDER_UNAVAILABLE', 'the sandbox is unavailable');
    }
    const body = (await res.json().catch(() => ({}))) as { code?: unknown };
    if (!res.ok || typeof body.code !== 'string') throw new DomainError('PAYMENT_PROVIDER_ERROR', `the sandbox answered ${res.status}`);
    ctx.body = { code: body.code } satisfies SandboxLoginCodeResponse;
  });
  return r;
}
