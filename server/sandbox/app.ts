// The sandbox's Koa app. Every answer carries Request-ID; /v3/... requests are authenticated, may receive
// injected faults, and every 2xx is signed with the platform key signing now. `app.callback()` works without
// a port, so tests can drive it in-process.
import Koa, { type Context, type Next } from 'koa';
import { createSandbox, type Sandbox, type SandboxDeps } from './sandbox';
import { isRequestFault, parseFaultList, REQUEST_RATE_KEYS, type FaultName } from './faults/faults';
import { requestId } from './ledger/ids';
import { verifyRequest } from './protocol/verify-request';
import { signatureHeaders } from './protocol/sign-response';
import { adminRouter } from './routes/admin';
import { apiRouter, type ApiState } from './routes/api';
import { errors, language, WxError } from './routes/errors';
import { snsRouter } from './routes/sns';

const MAX_BODY = 1024 * 1024;
const MAINLAND = /^\/v3\/(pay|refund|certificates|bill|billdownload|transferdownload)(\/|$|\?)/;

async function readBody(ctx: Context, next: Next): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw errors.paramText('请求体过大', 'The request body is too large');
    chunks.push(chunk as Buffer);
  }
  ctx.state.rawBody = Buffer.concat(chunks).toString('utf8');
  await next();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function apiGate(sandbox: Sandbox) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!ctx.path.startsWith('/v3/')) return next();
    if (!ctx.get('accept') || !ctx.get('user-agent')) throw errors.headers();
    const state = ctx.state as ApiState;
    state.merchant = verifyRequest(
      { method: ctx.method, target: ctx.req.url ?? ctx.url, rawBody: state.rawBody, authorization: ctx.get('authorization') || undefined },
      sandbox.merchants,
      sandbox.wallNow(),
    );
    // The header, or the query flag `sandbox_fault=` (part of the signed target like any query parameter).
    const flag = [ctx.get('x-sandbox-fault'), typeof ctx.query.sandbox_fault === 'string' ? ctx.query.sandbox_fault : '']
      .filter(Boolean)
      .join(',');
    const header = sandbox.config.settings.allowFaultHeader ? parseFaultList(flag) : { faults: [], unknown: [] };
    if (header.unknown.length) {
      throw errors.paramText(`未知的 X-Sandbox-Fault：${header.unknown.join(',')}`, `Unknown X-Sandbox-Fault: ${header.unknown.join(',')}`);
    }
    const faults = new Set<FaultName>([
      ...header.faults,
      ...sandbox.faults.take({ method: ctx.method, path: ctx.path }, isRequestFault),
      ...sandbox.faults.drawn(REQUEST_RATE_KEYS),
    ]);
    state.faults = faults;
    if (faults.has('500')) throw errors.system();
    if (faults.has('503')) throw errors.unavailable();
    if (faults.has('429')) throw errors.frequency();
    if (MAINLAND.test(ctx.path)) throw errors.mainland();
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw errors.notFound();
    if (faults.has('500-after')) throw errors.system();
    const delay = [...faults].find((f) => f.startsWith('delay:'));
    if (delay) await sleep(Number(delay.slice(6)));
    if (ctx.status < 200 || ctx.status > 299) return;
    let signed = state.signedBody;
    if (signed === undefined) {
      if (ctx.status === 204 || ctx.body === undefined || ctx.body === null) {
        signed = '';
      } else {
        signed = typeof ctx.body === 'string' ? ctx.body : JSON.stringify(ctx.body);
        const status = ctx.status;
        ctx.body = signed;
        ctx.status = status;
        ctx.type = 'application/json; charset=utf-8';
      }
    }
    const signer = sandbox.signing.forAnswer(state.merchant, ctx.get('wechatpay-serial') || undefined);
    const headers = await signatureHeaders(signer, signed, sandbox.clock.now() + sandbox.config.settings.clockSkewSeconds * 1000, {
      signtest: faults.has('signtest'),
      badSignature: faults.has('bad-signature'),
      staleTimestamp: faults.has('stale-timestamp'),
    });
    ctx.set(headers as unknown as Record<string, string>);
  };
}

export function buildApp(sandbox: Sandbox): Koa {
  const app = new Koa();
  app.proxy = false;
  app.use(async (ctx, next) => {
    const rid = requestId();
    let suffix: number | undefined;
    try {
      await next();
    } catch (err) {
      const e = err instanceof WxError ? err : undefined;
      if (!e) sandbox.log.error({ err, path: ctx.path }, 'unexpected sandbox error');
      const answer = e ?? errors.system();
      suffix = answer.ridCode;
      ctx.status = answer.status;
      ctx.body = answer.body(language(ctx.get('accept-language')));
    }
    ctx.set('Request-ID', suffix ? `${rid}-${suffix}` : rid);
    if (sandbox.config.settings.clockSkewSeconds) ctx.set('Date', new Date(sandbox.wallNow()).toUTCString());
  });
  app.use(readBody);
  app.use(apiGate(sandbox));
  for (const router of [apiRouter(sandbox), snsRouter(sandbox), adminRouter(sandbox)]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  app.use((ctx) => {
    // Unknown non-API paths: a JSON 4xx like everything else (unknown /v3 paths are answered by apiGate).
    if (ctx.body === undefined && ctx.status === 404) {
      ctx.status = 404;
      ctx.body = { code: 'NOT_FOUND', message: `no sandbox endpoint ${ctx.method} ${ctx.path}` };
    }
  });
  return app;
}

export interface SandboxApp extends Koa {
  sandbox: Sandbox;
}

/** The sandbox as a Koa app over `deps.connection`; call `app.sandbox.start()` to run the notifier and settler. */
export async function createSandboxApp(deps: SandboxDeps): Promise<SandboxApp> {
  const sandbox = await createSandbox(deps);
  const app = buildApp(sandbox) as SandboxApp;
  app.sandbox = sandbox;
  return app;
}
