// The WeChat Pay Global endpoints (/v3/global/...): same paths, fields and errors as the real service.
// Authentication, fault injection and answer signing wrap these in ../app.ts.
import Router from '@koa/router';
import type { Context } from 'koa';
import { encryptAesGcm, randomNonce } from '../../src/wechatpay/crypto';
import { rfc3339 } from '../clock';
import { markedFaults, isRefundFault } from '../faults/faults';
import type { Sandbox } from '../sandbox';
import { errors, validate } from './errors';
import { appidsOf, identityOf } from './identity';
import { refundCreated, refundQueried, transaction } from './presenters';
import { statement, settlements } from './reports';
import * as S from './schemas';
import type { ApiState } from './state';
import { z } from 'zod';

export type { ApiState };

const st = (ctx: Context) => ctx.state as ApiState;

function json(ctx: Context): Record<string, unknown> {
  const raw = st(ctx).rawBody;
  if (!raw) throw errors.paramText('请求体为空', 'The request body is empty');
  try {
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* answered below */
  }
  throw errors.paramText('请求体不是合法的JSON', 'The request body is not valid JSON');
}

const query = (ctx: Context) => ctx.query as Record<string, string | undefined>;

export function apiRouter(sandbox: Sandbox): Router {
  const r = new Router();
  const idField = () => sandbox.config.settings.transactionIdField;

  // ---- orders ----
  r.post('/v3/global/transactions/jsapi', async (ctx) => {
    const m = st(ctx).merchant;
    const body = json(ctx);
    const idn = identityOf(m, body, 'body');
    const apps = appidsOf(m, body);
    const inp = validate(m.mode === 'direct' ? S.jsapiDirect : S.jsapiInstitution, body);
    const payer = inp.payer as { openid?: string; sp_openid?: string; sub_openid?: string };
    if (payer.sub_openid && !apps.sub_appid) throw errors.param('#/properties/sub_appid', undefined, 'required with payer.sub_openid');
    const prepay_id = await sandbox.ledger.placeJsapi(idn, {
      ...apps,
      description: inp.description,
      attach: inp.attach,
      notify_url: inp.notify_url,
      out_trade_no: inp.out_trade_no,
      trade_type: 'JSAPI',
      merchant_category_code: inp.merchant_category_code,
      goods_tag: inp.goods_tag,
      payer,
      amount: inp.amount,
      scene_info: inp.scene_info,
      detail: inp.detail,
      time_expire: inp.time_expire ? new Date(inp.time_expire) : undefined,
    });
    ctx.body = { prepay_id };
  });

  const orderRef = (ctx: Context) =>
    ctx.params.transaction_id ? { transaction_id: ctx.params.transaction_id } : { out_trade_no: ctx.params.out_trade_no };

  const queryOrder = async (ctx: Context) => {
    const idn = identityOf(st(ctx).merchant, query(ctx), 'query');
    ctx.body = transaction(await sandbox.ledger.queryOrder(idn, orderRef(ctx)), idField());
  };
  r.get('/v3/global/transactions/id/:transaction_id', queryOrder);
  r.get('/v3/global/transactions/out-trade-no/:out_trade_no', queryOrder);

  const close = async (ctx: Context) => {
    const idn = identityOf(st(ctx).merchant, json(ctx), 'body');
    await sandbox.ledger.close(idn, orderRef(ctx));
    ctx.status = 204;
  };
  r.post('/v3/global/transactions/out-trade-no/:out_trade_no/close', close);
  r.post('/v3/global/transactions/id/:transaction_id/close', close);

  // ---- Quick Pay ----
  r.post('/v3/global/micropay/transactions/pay', async (ctx) => {
    const m = st(ctx).merchant;
    const body = json(ctx);
    const idn = identityOf(m, body, 'body');
    const apps = appidsOf(m, body);
    const inp = validate(S.micropay, body);
    const o = await sandbox.ledger.micropay(idn, {
      ...apps,
      description: inp.description,
      attach: inp.attach,
      out_trade_no: inp.out_trade_no,
      trade_type: 'MICROPAY',
      merchant_category_code: inp.merchant_category_code,
      goods_tag: inp.goods_tag,
      payer: { auth_code: inp.payer.auth_code, ...sandbox.quickPayPayer(m, apps) },
      amount: inp.amount,
      scene_info: inp.scene_info,
      detail: inp.detail,
    });
    if (o.trade_state === 'USERPAYING') {
      const forced = [...st(ctx).faults].find((f) => f.startsWith('userpaying:'));
      const form = forced ? forced.slice('userpaying:'.length) : sandbox.config.settings.userpayingForm;
      if (form === '403') throw errors.userPaying(403);
      if (form === '202') {
        ctx.status = 202;
        ctx.body = errors.userPaying(202).body('zh');
        return;
      }
    }
    ctx.body = transaction(o, idField());
  });

  const reverse = async (ctx: Context) => {
    const idn = identityOf(st(ctx).merchant, json(ctx), 'body');
    await sandbox.ledger.reverse(idn, orderRef(ctx));
    ctx.status = 204;
  };
  r.post('/v3/global/micropay/transactions/out-trade-no/:out_trade_no/reverse', reverse);
  r.post('/v3/global/micropay/transactions/id/:transaction_id/reverse', reverse);

  // ---- refunds ----
  r.post('/v3/global/refunds', async (ctx) => {
    const m = st(ctx).merchant;
    const body = json(ctx);
    const idn = identityOf(m, body, 'body');
    if (body.appid || body.sp_appid) appidsOf(m, body); // optional on refunds (the seed's examples differ)
    const inp = validate(S.refund, body);
    const forcedFault = [
      ...markedFaults(inp.reason),
      ...sandbox.faults.take({ out_refund_no: inp.out_refund_no, out_trade_no: inp.out_trade_no }, isRefundFault),
    ].find(isRefundFault);
    const forced = forcedFault === 'refund-closed' ? 'REFUNDCLOSE' : forcedFault === 'refund-abnormal' ? 'ABNORMAL' : undefined;
    const refund = await sandbox.ledger.createRefund(idn, inp, forced, st(ctx).faults.has('not-enough'));
    ctx.body = refundCreated(refund);
  });

  const queryRefund = async (ctx: Context) => {
    const idn = identityOf(st(ctx).merchant, query(ctx), 'query');
    const by = ctx.params.refund_id ? { refund_id: ctx.params.refund_id } : { out_refund_no: ctx.params.out_refund_no };
    ctx.body = refundQueried(await sandbox.ledger.findRefund(idn, by));
  };
  r.get('/v3/global/refunds/out-refund-no/:out_refund_no', queryRefund);
  r.get('/v3/global/refunds/id/:refund_id', queryRefund);

  r.get('/v3/global/refunds', async (ctx) => {
    const q = query(ctx);
    const idn = identityOf(st(ctx).merchant, q, 'query');
    const p = validate(
      z
        .object({
          transaction_id: z.string().min(1).optional(),
          out_trade_no: z.string().min(1).optional(),
          offset: S.uint(1e6),
          count: z.coerce.number().int().min(1).max(20),
        })
        .refine((v) => v.transaction_id || v.out_trade_no, { message: 'give transaction_id or out_trade_no', path: ['out_trade_no'] }),
      q,
      'query',
    );
    const order = await sandbox.ledger.findOrder(idn, p);
    const all = await sandbox.ledger.refundsOf(order);
    const page = all.slice(p.offset, p.offset + p.count);
    const ids = order.mode === 'direct' ? { mchid: order.mchid } : { sp_mchid: order.mchid, sub_mchid: order.sub_mchid };
    ctx.body = {
      id: order.transaction_id,
      ...ids,
      out_trade_no: order.out_trade_no,
      amount: {
        total: order.amount.total,
        currency: order.amount.currency,
        payer_total: order.payer_total,
        payer_currency: order.payer_currency,
      },
      data: page.map(refundQueried),
      total_num: all.length,
      current_total_num: page.length,
    };
  });

  // ---- certificates, statements, settlements ----
  r.get('/v3/global/certificates', async (ctx) => {
    if (st(ctx).merchant.signWith === 'public_key') throw errors.noPlatformCertificate();
    const key = st(ctx).merchant.apiV3Key!;
    ctx.body = {
      data: sandbox.keyring.published().map((c) => {
        const nonce = randomNonce(12);
        return {
          serial_no: c.serial,
          effective_time: rfc3339(c.notBefore),
          expire_time: rfc3339(c.notAfter),
          encrypt_certificate: {
            algorithm: 'AEAD_AES_256_GCM',
            nonce,
            associated_data: 'certificate',
            ciphertext: encryptAesGcm(key, nonce, 'certificate', c.certificatePem),
          },
        };
      }),
    };
  });

  r.get('/v3/global/statements', (ctx) => statement(sandbox, ctx));
  r.get('/v3/global/settle/settlements', (ctx) => settlements(sandbox, ctx));

  return r;
}
