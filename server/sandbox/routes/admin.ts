// Sandbox-only endpoints under /sandbox/...: the cashier that stands in for WeChat's payment sheet, login
// codes for test users, the notification log, platform-key rotation, faults, and ledger tools for tests.
// Answers are JSON; client mistakes are 4xx `{code, message}`.
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { buildPaySignMessage, verifySha256Rsa } from '../../src/wechatpay/crypto';
import { rfc3339 } from '../clock';
import { FAULT_RATE_KEYS, isFaultName } from '../faults/faults';
import { loginCode } from '../ledger/ids';
import type { OrderDoc } from '../ledger/models';
import type { Sandbox } from '../sandbox';
import { merchantSettingsSchema } from '../config';
import { WxError } from './errors';
import { refundQueried, transaction } from './presenters';

class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function body(ctx: Context): unknown {
  const raw = (ctx.state as { rawBody?: string }).rawBody ?? '';
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new AdminError(400, 'INVALID_JSON', 'the body is not valid JSON');
  }
}

function parse<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const r = schema.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new AdminError(400, 'VALIDATION_FAILED', `${i.path.join('.') || '(body)'}: ${i.message}`);
  }
  return r.data;
}

const cashierSchema = z.object({
  appId: z.string().min(1).optional(),
  timeStamp: z.string().regex(/^\d{10}$/, 'must be unix seconds as a 10-digit string'),
  nonceStr: z.string().min(1).max(32),
  package: z.string().regex(/^prepay_id=\S+$/, 'must be prepay_id=...'),
  signType: z.literal('RSA'),
  paySign: z.string().min(1),
  openid: z.string().min(1),
  action: z.enum(['pay', 'cancel', 'fail']).default('pay'),
});

/** The appId paySign must be made with: appid (direct); sub_appid for a sub_openid payer, else sp_appid. */
export function paySignAppId(o: OrderDoc): string {
  if (o.mode === 'direct') return o.appid;
  return o.payer.sub_openid ? o.sub_appid! : o.appid;
}

export function adminRouter(sandbox: Sandbox): Router {
  const r = new Router({ prefix: '/sandbox' });
  r.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof AdminError)) throw err;
      ctx.status = err.status;
      ctx.body = { code: err.code, message: err.message };
    }
  });

  r.get('/health', (ctx) => {
    ctx.body = { ok: true, platform_serial: sandbox.keyring.current().serial, time_scale: sandbox.clock.timeScale };
  });

  // ---- the cashier ----
  const orderForPrepay = async (pkg: string) => {
    const o = await sandbox.ledger.findByPrepay(pkg.replace(/^prepay_id=/, ''));
    if (!o) throw new AdminError(404, 'PREPAY_NOT_FOUND', 'no order has this prepay_id');
    return o;
  };

  r.get('/cashier/order', async (ctx) => {
    const prepay = String(ctx.query.prepay_id ?? '');
    if (!prepay) throw new AdminError(400, 'VALIDATION_FAILED', 'prepay_id is required');
    const o = await orderForPrepay(prepay);
    ctx.body = {
      description: o.description,
      amount: o.amount,
      merchant: sandbox.merchants.get(o.mchid)?.name,
      out_trade_no: o.out_trade_no,
      trade_state: o.trade_state,
      prepay_valid: sandbox.ledger.prepayValid(o),
    };
  });

  /**
   * Checks a payment as WeChat's sheet would and carries it out. Returns undefined when `o` came from the
   * ledger's memory and anything refused it: the caller decides again on a fresh read, so a stale memory never
   * refuses a payment nor hides the exact reason.
   */
  const pay = async (o: OrderDoc, p: z.infer<typeof cashierSchema>, fromMemory: boolean) => {
    const refuse = (status: number, code: string, message: string) => {
      if (fromMemory) return undefined;
      throw new AdminError(status, code, message);
    };
    const appId = paySignAppId(o);
    if (p.appId !== undefined && p.appId !== appId) {
      return refuse(400, 'APPID_MISMATCH', `requestPayment:fail the order was placed for appId ${appId}`);
    }
    const merchant = sandbox.merchants.get(o.mchid)!;
    const message = buildPaySignMessage(appId, p.timeStamp, p.nonceStr, p.package);
    if (!verifySha256Rsa(merchant.publicKey, message, p.paySign)) {
      return refuse(400, 'PAYSIGN_INVALID', 'requestPayment:fail paySign does not verify with the merchant certificate and the appId rule');
    }
    const payerOpenid = o.payer.openid ?? o.payer.sub_openid ?? o.payer.sp_openid;
    if (p.openid !== payerOpenid) return refuse(403, 'PAYER_MISMATCH', 'requestPayment:fail the order belongs to another payer');
    if (o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND') return refuse(409, 'ORDERPAID', 'requestPayment:fail the order is paid');
    if (o.trade_state !== 'NOTPAY') return refuse(409, 'ORDER_NOT_PAYABLE', `requestPayment:fail the order is ${o.trade_state}`);
    if (!sandbox.ledger.prepayValid(o)) return refuse(409, 'PREPAY_EXPIRED', 'requestPayment:fail the prepay_id has expired');
    if (p.action === 'cancel') return { errMsg: 'requestPayment:fail cancel' };
    let done: OrderDoc;
    try {
      done = await sandbox.ledger.cashier(o, p.action);
    } catch (err) {
      // The conditional update found the order changed (or the write failed before it was made).
      if (err instanceof WxError) return refuse(409, 'ORDER_NOT_PAYABLE', 'requestPayment:fail the order changed meanwhile');
      throw new AdminError(409, 'ORDER_NOT_PAYABLE', 'requestPayment:fail the order changed meanwhile');
    }
    return { errMsg: p.action === 'pay' ? 'requestPayment:ok' : 'requestPayment:fail payment failed', trade_state: done.trade_state };
  };

  r.post('/cashier/pay', async (ctx) => {
    const p = parse(cashierSchema, body(ctx));
    // A payment (not a cancel, which writes nothing that could confirm what it read) may start from the order as
    // this instance placed it: no read.
    const remembered = p.action === 'cancel' ? undefined : sandbox.ledger.cachedByPrepay(p.package.replace(/^prepay_id=/, ''));
    const answer = (remembered && (await pay(remembered, p, true))) || (await pay(await orderForPrepay(p.package), p, false));
    ctx.body = answer;
  });

  // ---- test users ----
  const appOf = (ctx: Context) => {
    const appid = ctx.query.appid ? String(ctx.query.appid) : sandbox.config.miniprograms[0]?.appid;
    if (!appid || !sandbox.config.miniprograms.some((a) => a.appid === appid)) {
      throw new AdminError(400, 'VALIDATION_FAILED', 'appid must be a configured mini program');
    }
    return appid;
  };
  const userOf = (ctx: Context) => {
    const user = String(ctx.query.user ?? '');
    if (!/^[\w.@-]{1,64}$/.test(user)) throw new AdminError(400, 'VALIDATION_FAILED', 'user must be 1-64 characters of [A-Za-z0-9_.@-]');
    return user;
  };
  r.get('/wxlogin-code', async (ctx) => {
    const appid = appOf(ctx);
    const user = userOf(ctx);
    const now = sandbox.clock.now();
    const code = loginCode();
    await sandbox.models.LoginCode.create({
      _id: code,
      appid,
      user,
      created_at: new Date(now),
      expires_at: new Date(now + sandbox.clock.scale(sandbox.config.settings.loginCodeValiditySeconds * 1000)),
    });
    ctx.body = { code, appid, user };
  });
  r.get('/openid', (ctx) => {
    const appid = appOf(ctx);
    ctx.body = { openid: sandbox.openid(appid, userOf(ctx)), appid };
  });

  // ---- ledger views and tools ----
  r.get('/orders', async (ctx) => {
    const out_trade_no = String(ctx.query.out_trade_no ?? '');
    if (!out_trade_no) throw new AdminError(400, 'VALIDATION_FAILED', 'out_trade_no is required');
    const orders = await sandbox.models.Order.find({ out_trade_no }).lean<OrderDoc[]>();
    ctx.body = {
      data: orders.map((o) => ({
        ...transaction(o, 'both'),
        // What the merchant sent and the query does not answer with (scene_info, detail), for tests and people.
        ...(o.scene_info ? { scene_info: o.scene_info } : {}),
        ...(o.detail ? { detail: o.detail } : {}),
        prepay_id: o.prepay_id,
        refundable: o.refundable,
        create_time: rfc3339(o.created_at),
      })),
    };
  });
  r.post('/orders/backdate', async (ctx) => {
    const p = parse(
      z.object({ out_trade_no: z.string().min(1), merchant_key: z.string().optional(), seconds: z.number().positive() }),
      body(ctx),
    );
    const o = await sandbox.ledger.backdate(p.merchant_key, p.out_trade_no, p.seconds);
    if (!o) throw new AdminError(404, 'ORDER_NOT_FOUND', 'no such order');
    ctx.body = { out_trade_no: o.out_trade_no, backdated_seconds: o.backdated_ms / 1000 };
  });
  // Per-merchant behaviour (README: Merchant settings). POST merges; a null value clears a setting.
  const merchantOr404 = (mchid: string) => {
    const m = sandbox.merchants.get(mchid);
    if (!m) throw new AdminError(404, 'MERCHANT_NOT_FOUND', `no configured merchant ${mchid}`);
    return m;
  };
  r.get('/merchants/:mchid/settings', (ctx) => {
    ctx.body = merchantOr404(ctx.params.mchid!).settings;
  });
  r.post('/merchants/:mchid/settings', (ctx) => {
    const m = merchantOr404(ctx.params.mchid!);
    const patch = parse(merchantSettingsSchema, body(ctx));
    const next: Record<string, unknown> = { ...m.settings, ...patch };
    for (const [k, v] of Object.entries(next)) if (v === null) delete next[k];
    // The same object is kept (the ledger holds it), so replace its contents.
    for (const k of Object.keys(m.settings)) delete (m.settings as Record<string, unknown>)[k];
    Object.assign(m.settings, next);
    ctx.body = m.settings;
  });
  // A refund made by the merchant in the merchant platform (not through the API): WeChat Pay numbers it, and
  // the API then shows it like any other (refund queries, all refunds of the order, statement). It has no
  // notify_url: it is notified to the refund notification URL set in the merchant platform (`refundNotifyUrl`).
  r.post('/refunds/merchant-platform', async (ctx) => {
    const p = parse(
      z.object({
        out_trade_no: z.string().min(1),
        merchant_key: z.string().optional(),
        refund: z.number().int().min(1),
        reason: z.string().max(80).optional(),
        source: z.enum(['REFUND_SOURCE_UNSETTLED_FUNDS', 'REFUND_SOURCE_RECHARGE_FUNDS']).optional(),
      }),
      body(ctx),
    );
    const orders = await sandbox.models.Order.find(
      p.merchant_key ? { out_trade_no: p.out_trade_no, merchantKey: p.merchant_key } : { out_trade_no: p.out_trade_no },
    ).lean<OrderDoc[]>();
    if (orders.length !== 1)
      throw new AdminError(
        orders.length ? 409 : 404,
        orders.length ? 'AMBIGUOUS_ORDER' : 'ORDER_NOT_FOUND',
        orders.length ? 'give merchant_key' : 'no such order',
      );
    const o = orders[0]!;
    const id = { mode: o.mode, mchid: o.mchid, sub_mchid: o.sub_mchid, merchantKey: o.merchantKey };
    const refund = await sandbox.ledger.createRefund(id, {
      out_trade_no: o.out_trade_no,
      out_refund_no: `MP${Date.now()}${Math.floor(Math.random() * 1e6)
        .toString()
        .padStart(6, '0')}`,
      reason: p.reason,
      source: p.source,
      amount: { refund: p.refund, total: o.amount.total, currency: o.amount.currency },
    });
    ctx.body = refundQueried(refund);
  });
  r.post('/refunds/settle', async (ctx) => {
    const p = parse(
      z.object({ out_refund_no: z.string().min(1), status: z.enum(['SUCCESS', 'REFUNDCLOSE', 'CLOSED', 'ABNORMAL']) }),
      body(ctx),
    );
    const status = p.status === 'CLOSED' ? 'REFUNDCLOSE' : p.status;
    const r2 = await sandbox.ledger.forceRefund(p.out_refund_no, status);
    if (!r2) throw new AdminError(409, 'REFUND_NOT_PROCESSING', 'no PROCESSING refund has this out_refund_no');
    sandbox.settler.kick();
    ctx.body = { out_refund_no: r2.out_refund_no, status };
  });

  r.get('/notifications', async (ctx) => {
    const q = ctx.query as Record<string, string | undefined>;
    const list = await sandbox.notifier.history({ out_trade_no: q.out_trade_no, out_refund_no: q.out_refund_no });
    ctx.body = {
      data: list.map((n) => ({
        id: n._id,
        event_type: n.event_type,
        url: n.url,
        state: n.state,
        faults: n.faults,
        attempts: n.attempts,
        out_trade_no: n.out_trade_no,
        out_refund_no: n.out_refund_no,
        first_at: n.first_at,
        next_at: n.state === 'pending' ? n.next_at : undefined,
        deliveries: n.deliveries.map((d) => ({
          kind: d.kind,
          attempt: d.attempt,
          scheduled_at: d.scheduled_at,
          sent_at: d.sent_at,
          offset_ms: d.offset_ms,
          status: d.status,
          ok: d.ok,
          error: d.error,
          duration_ms: d.duration_ms,
          response: d.response,
          serial: d.serial,
        })),
      })),
    };
  });

  // ---- platform certificates ----
  const certView = () => ({
    current: sandbox.keyring.current().serial,
    published: sandbox.keyring
      .published()
      .map((c) => ({ serial_no: c.serial, signing_from: c.signingFrom, retire_at: c.retireAt ?? null })),
  });
  r.get('/platform', (ctx) => {
    ctx.body = certView();
  });
  r.post('/platform/rotate', async (ctx) => {
    const p = parse(
      z.object({
        switch_after_seconds: z.number().min(0).optional(),
        retire_after_seconds: z.number().min(0).optional(),
        // Real seconds the new certificate is valid for (X.509 validity is never time-scaled); default 5 years.
        valid_seconds: z
          .number()
          .int()
          .min(60)
          .max(10 * 365 * 86400)
          .optional(),
      }),
      body(ctx),
    );
    const c = await sandbox.keyring.rotate({
      switchAfterSeconds: p.switch_after_seconds,
      retireAfterSeconds: p.retire_after_seconds,
      validSeconds: p.valid_seconds,
    });
    ctx.body = { new_serial: c.serial, ...certView() };
  });
  r.post('/platform/retire', async (ctx) => {
    await sandbox.keyring.retireOld();
    ctx.body = certView();
  });

  // ---- per merchant: platform certificates, public key, or the switch-over between them ----
  const merchantOf = (mchid: string) => {
    const m = sandbox.merchants.get(mchid);
    if (!m) throw new AdminError(404, 'MERCHANT_NOT_FOUND', `no sandbox merchant ${mchid}`);
    return m;
  };
  const signingView = (m: ReturnType<typeof merchantOf>) => ({
    mchid: m.mchid,
    sign_with: m.signWith ?? 'certificate',
    public_key_id: m.wechatpayPublicKey?.id ?? null,
    public_key: m.wechatpayPublicKey?.publicKeyPem ?? null,
    platform_serial: sandbox.keyring.current().serial,
  });
  r.get('/merchants/:mchid/signing', (ctx) => {
    ctx.body = signingView(merchantOf(ctx.params.mchid!));
  });
  r.post('/merchants/:mchid/signing', (ctx) => {
    const m = merchantOf(ctx.params.mchid!);
    const p = parse(z.object({ sign_with: z.enum(['certificate', 'public_key', 'both']) }), body(ctx));
    if (p.sign_with !== 'certificate' && !m.wechatpayPublicKey) {
      throw new AdminError(409, 'NO_PUBLIC_KEY', `merchant ${m.mchid} has no publicKey in the sandbox configuration`);
    }
    m.signWith = p.sign_with;
    ctx.body = signingView(m);
  });

  // ---- the service's clock (skew against real time) ----
  const clockView = () => ({ skew_seconds: sandbox.config.settings.clockSkewSeconds, now: new Date(sandbox.wallNow()).toISOString() });
  r.get('/clock', (ctx) => {
    ctx.body = clockView();
  });
  r.post('/clock', (ctx) => {
    const p = parse(z.object({ skew_seconds: z.number().int().min(-86400).max(86400) }), body(ctx));
    sandbox.config.settings.clockSkewSeconds = p.skew_seconds;
    ctx.body = clockView();
  });

  // ---- faults ----
  const faultView = () => ({ rates: sandbox.faults.rates, delay_ms: sandbox.faults.delayMs, armed: sandbox.faults.list() });
  r.get('/faults', (ctx) => {
    ctx.body = faultView();
  });
  r.post('/faults', (ctx) => {
    const p = parse(
      z.object({
        rates: z
          .object(Object.fromEntries(FAULT_RATE_KEYS.map((k) => [k, z.number().min(0).max(1).optional()])))
          .partial()
          .optional(),
        delay_ms: z.number().int().min(0).max(600000).optional(),
        arm: z
          .array(
            z.object({
              fault: z.string().refine(isFaultName, 'unknown fault name'),
              method: z.string().optional(),
              path: z.string().optional(),
              out_trade_no: z.string().optional(),
              out_refund_no: z.string().optional(),
              times: z.number().int().min(1).max(1000).optional(),
            }),
          )
          .optional(),
      }),
      body(ctx),
    );
    if (p.rates) sandbox.faults.rates = { ...sandbox.faults.rates, ...(p.rates as Record<string, number>) };
    if (p.delay_ms !== undefined) sandbox.faults.delayMs = p.delay_ms;
    for (const a of p.arm ?? []) sandbox.faults.arm({ ...a, fault: a.fault as never });
    ctx.body = faultView();
  });
  r.delete('/faults', (ctx) => {
    sandbox.faults.reset();
    ctx.body = faultView();
  });

  return r;
}
