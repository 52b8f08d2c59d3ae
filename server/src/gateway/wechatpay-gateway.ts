// Adapts the APIv3 client (server/src/wechatpay) to the domain's PaymentGateway port. Live or sandbox is only a
// matter of the base URL and keys in the configuration; keys are read once and kept as KeyObjects by the client.
import { readFileSync } from 'node:fs';
import { verificationMode, type Config } from '../config';
import { isOrderNotExist, isWechatPayError, type ExpectedMerchant, type PaymentGateway } from '../domain/ports/payment-gateway';
import { createWechatPayClient, type OrderDetail, type SceneInfo, type WechatPayClient } from '../wechatpay';
import {
  ATTACH_MAX_LENGTH,
  CLIENT_IP_MAX_LENGTH,
  cutToBytes,
  DEVICE_ID_MAX_LENGTH,
  GOODS_ID_MAX_LENGTH,
  GOODS_NAME_MAX_LENGTH,
  OPERATOR_ID_MAX_LENGTH,
  RECEIPT_ID_MAX_LENGTH,
  STORE_ADDRESS_MAX_LENGTH,
  STORE_ID_MAX_LENGTH,
  STORE_NAME_MAX_LENGTH,
} from '../wechatpay/limits';
import type { GoodsLine, MicropayInput } from '../domain/ports/payment-gateway';

export function identityFromConfig(config: Config): ExpectedMerchant {
  const id: ExpectedMerchant = { mode: config.WECHATPAY_MODE, mchid: config.WECHATPAY_MCHID, appid: config.WECHATPAY_APPID };
  if (config.WECHATPAY_SUB_MCHID) id.subMchid = config.WECHATPAY_SUB_MCHID;
  if (config.WECHATPAY_SUB_APPID) id.subAppid = config.WECHATPAY_SUB_APPID;
  return id;
}

/** The notify URL WeChat Pay posts to: notify base + path, no query string (as required). */
export function notifyUrl(config: Config, kind: 'transactions' | 'refunds'): string {
  return `${config.WECHATPAY_NOTIFY_BASE_URL.replace(/\/+$/, '')}/wechatpay/notify/${kind}`;
}

/** The adapter over the APIv3 client. Keys are read once; the client keeps them as KeyObjects. */
export function createPaymentGateway(
  config: Config,
  opts: { platformCertificates?: string[] } = {},
): PaymentGateway & { client: WechatPayClient } {
  const identity = identityFromConfig(config);
  const verifyWith = verificationMode(config);
  const common = {
    merchantSerial: config.WECHATPAY_MERCHANT_SERIAL,
    privateKey: readFileSync(config.WECHATPAY_PRIVATE_KEY_PATH),
    apiV3Key: config.WECHATPAY_APIV3_KEY,
    baseUrl: config.WECHATPAY_BASE_URL,
    timeoutMs: config.WECHATPAY_TIMEOUT_MS,
    platformCertificates: opts.platformCertificates,
    // Platform certificates, the public key, or both while WeChat Pay switches from one to the other.
    ...(verifyWith !== 'certificates'
      ? {
          platformPublicKey: { id: config.WECHATPAY_PUBLIC_KEY_ID!, key: readFileSync(config.WECHATPAY_PUBLIC_KEY_PATH!) },
          downloadCertificates: verifyWith === 'both',
        }
      : { downloadCertificates: true }),
  };
  const client =
    identity.mode === 'direct'
      ? createWechatPayClient({ mode: 'direct', mchid: identity.mchid, appid: identity.appid, ...common })
      : createWechatPayClient({
          mode: 'institution',
          spMchid: identity.mchid,
          spAppid: identity.appid,
          subMchid: identity.subMchid!,
          subAppid: identity.subAppid,
          ...common,
        });
  const payer = (openid: string) =>
    identity.mode === 'direct' ? { openid } : identity.subAppid ? { sub_openid: openid } : { sp_openid: openid };
  const payerKind = identity.mode === 'direct' ? 'openid' : identity.subAppid ? 'sub_openid' : 'sp_openid';
  const notFoundIsUndefined = async <T>(op: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await op();
    } catch (err) {
      if (isOrderNotExist(err) || isWechatPayError(err, ['RESOURCE_NOT_EXISTS', 'REFUND_NOT_EXIST'])) return undefined;
      throw err;
    }
  };
  return {
    client,
    identity,
    async prepay(i) {
      const { prepay_id } = await client.jsapiOrder({
        description: i.description,
        out_trade_no: i.outTradeNo,
        notify_url: notifyUrl(config, 'transactions'),
        merchant_category_code: config.MERCHANT_CATEGORY_CODE,
        amount: { total: i.total, currency: i.currency },
        payer: payer(i.openid),
        time_expire: toWechatTime(i.timeExpire),
        ...orderExtras(i),
        ...(fit(i.payerClientIp, CLIENT_IP_MAX_LENGTH)
          ? { scene_info: { payer_client_ip: fit(i.payerClientIp, CLIENT_IP_MAX_LENGTH)! } }
          : {}),
      });
      return { prepayId: prepay_id };
    },
    paymentParams: (prepayId) => client.requestPaymentParams({ prepayId, payer: payerKind }),
    queryByOutTradeNo: (outTradeNo) => notFoundIsUndefined(() => client.queryOrderByOutTradeNo(outTradeNo)),
    async close(outTradeNo) {
      try {
        await client.closeOrder({ out_trade_no: outTradeNo });
        return 'closed';
      } catch (err) {
        if (isWechatPayError(err, 'ORDERPAID')) return 'paid';
        throw err;
      }
    },
    micropay: (i) =>
      client.micropayPay({
        description: i.description,
        out_trade_no: i.outTradeNo,
        merchant_category_code: config.MERCHANT_CATEGORY_CODE,
        amount: { total: i.total, currency: i.currency },
        payer: { auth_code: i.authCode },
        ...orderExtras(i),
        ...tillScene(i.scene),
      }),
    reverse: (outTradeNo) => client.micropayReverse({ out_trade_no: outTradeNo }),
    refund: (req) => client.refund({ ...req, notify_url: notifyUrl(config, 'refunds') }),
    queryRefund: (outRefundNo) => notFoundIsUndefined(() => client.queryRefundByOutRefundNo(outRefundNo)),
    listRefunds: (req) => client.listRefunds(req),
    statement: (date) => client.downloadStatement({ date }),
    settlements: (q) => client.querySettlements(q),
    parseNotification: (headers, raw) => client.parseNotification(headers, raw),
    async ready() {
      if (verifyWith !== 'certificates') return true; // the public key is configured, so always at hand
      const certs = client.certificates?.list() ?? [];
      const now = Date.now();
      return certs.some((c) => c.notBefore.getTime() <= now && c.notAfter.getTime() > now + 3600_000);
    },
  };
}

/** A time as WeChat writes it: RFC 3339 in GMT+8, second precision (2026-01-02T15:04:05+08:00). */
export function toWechatTime(d: Date): string {
  const t = new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19);
  return `${t}+08:00`;
}

/** A value within a field's limit: trimmed, cut to `max` bytes of UTF-8 (at a code point); undefined when empty. */
function fit(v: string | undefined, max: number): string | undefined {
  const t = v?.trim();
  return t ? cutToBytes(t, max) : undefined;
}

/**
 * detail (receipt_id, goods_detail) and attach, within the field tables' limits (lines without a valid id are
 * left out). No cost_price: WeChat uses it to tell a receipt paid in parts apart, and a charge here is a whole one.
 */
export function orderExtras(i: { goods?: GoodsLine[]; attach?: string; receiptId?: string }): {
  detail?: OrderDetail;
  attach?: string;
} {
  const out: { detail?: OrderDetail; attach?: string } = {};
  const goods = (i.goods ?? [])
    .filter(
      (g) =>
        fit(g.goodsId, GOODS_ID_MAX_LENGTH) && Number.isInteger(g.quantity) && g.quantity > 0 && Number.isInteger(g.price) && g.price >= 0,
    )
    .map((g) => {
      const name = fit(g.goodsName, GOODS_NAME_MAX_LENGTH);
      return {
        goods_id: fit(g.goodsId, GOODS_ID_MAX_LENGTH)!,
        ...(name ? { goods_name: name } : {}),
        quantity: g.quantity,
        price: g.price,
      };
    });
  const receiptId = fit(i.receiptId, RECEIPT_ID_MAX_LENGTH);
  if (receiptId || goods.length)
    out.detail = { ...(receiptId ? { receipt_id: receiptId } : {}), ...(goods.length ? { goods_detail: goods } : {}) };
  const attach = fit(i.attach, ATTACH_MAX_LENGTH);
  if (attach) out.attach = attach;
  return out;
}

/**
 * scene_info of a Quick Pay till: store id, name and address, device id and IP, operator. payer_client_ip is the
 * customer's device, which a till never sees: not sent.
 */
export function tillScene(s: MicropayInput['scene']): { scene_info?: SceneInfo } {
  if (!s) return {};
  const scene: SceneInfo = {};
  const deviceId = fit(s.deviceId, DEVICE_ID_MAX_LENGTH);
  const deviceIp = fit(s.deviceIp, CLIENT_IP_MAX_LENGTH);
  const operatorId = fit(s.operatorId, OPERATOR_ID_MAX_LENGTH);
  const storeId = fit(s.storeId, STORE_ID_MAX_LENGTH);
  const storeName = fit(s.storeName, STORE_NAME_MAX_LENGTH);
  const storeAddress = fit(s.storeAddress, STORE_ADDRESS_MAX_LENGTH);
  if (deviceIp) scene.device_ip = deviceIp;
  if (deviceId) scene.device_id = deviceId;
  if (operatorId) scene.operator_id = operatorId;
  if (storeId)
    scene.store_info = { id: storeId, ...(storeName ? { name: storeName } : {}), ...(storeAddress ? { address: storeAddress } : {}) };
  return Object.keys(scene).length ? { scene_info: scene } : {};
}
