// The WeChat Pay Global APIv3 client. One instance per merchant identity; it owns the signer, the platform
// key store (certificates and/or a PUB_KEY_ID_ public key), the HTTP core and the notification parser.
import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { CombinedKeyResolver, StaticKeyResolver, type PublicKeyResolver } from './auth/key-resolver';
import { MerchantSigner } from './auth/signer';
import { CertificateManager, type PlatformCertificate } from './certificates';
import { statementDigestBody } from './crypto/message';
import { randomNonce } from './crypto/nonce';
import { loadPublicKey } from './crypto/keys';
import { encryptOaep } from './crypto/rsa';
import { ERROR_CODE_ALIASES, CLIENT_ERROR_CODES, WechatPayError, invalidInput, isWechatPayError } from './errors';
import { ApiCore, type ApiResponse, type CallOptions } from './http/core';
import type { HeaderSource } from './http/headers';
import type { RetryPolicy } from './http/retry';
import { createNodeTransport, type Transport } from './http/transport';
import { normalizeRefund, normalizeTransaction } from './normalize';
import { NotificationParser, type NotificationResult } from './notify';
import { validateSettlementQuery } from './settlements';
import { OUT_REFUND_NO_MAX_LENGTH, OUT_TRADE_NO_MAX_LENGTH } from './limits';
import { parseStatementCsv, type Statement } from './statements';
import type {
  JsapiOrderRequest,
  JsapiOrderResponse,
  ListRefundsRequest,
  MicropayRequest,
  Refund,
  RefundList,
  RefundRequest,
  RequestPaymentParams,
  SettlementList,
  SettlementQuery,
  Transaction,
} from './types';

export const DEFAULT_BASE_URL = 'https://apihk.mch.weixin.qq.com';
export const DEFAULT_TIMEOUT_MS = 5000;

export type MerchantIdentity =
  | { mode: 'direct'; mchid: string; appid: string }
  | { mode: 'institution'; spMchid: string; spAppid: string; subMchid: string; subAppid?: string };

export type WechatPayClientOptions = MerchantIdentity & {
  /** Serial of the merchant API certificate (apiclient_cert.pem). */
  merchantSerial: string;
  /** Merchant API private key (apiclient_key.pem), PEM or KeyObject; parsed once. */
  privateKey: string | Buffer | KeyObject;
  /** The 32-character APIv3 key. */
  apiV3Key: string;
  baseUrl?: string;
  /** Per attempt, default 5000 ms. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** A WeChat Pay public key: `id` is its `PUB_KEY_ID_...`, `key` an SPKI PEM or KeyObject. */
  platformPublicKey?: { id: string; key: string | Buffer | KeyObject };
  /** Platform certificate PEMs trusted from the start (optional). */
  platformCertificates?: string[];
  /** Download platform certificates from /v3/global/certificates (default: true unless a public key is given). */
  downloadCertificates?: boolean;
  userAgent?: string;
  acceptLanguage?: 'en' | 'zh-CN' | 'zh-HK' | 'zh-TW';
  /** Injectable for tests and other runtimes; defaults to node:http(s) with keep-alive. */
  transport?: Transport;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export type MicropayResult =
  | { outcome: 'SUCCESS'; transaction: Transaction; requestId?: string }
  | { outcome: 'USERPAYING'; via: 'trade_state' | 'http_202' | 'error_code'; transaction?: Transaction; requestId?: string }
  | { outcome: 'FAILED'; transaction: Transaction; requestId?: string };

type OrderRef = { out_trade_no: string; transaction_id?: undefined } | { transaction_id: string; out_trade_no?: undefined };

const enc = encodeURIComponent;

function requireText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalidInput(`${field} must be a string of 1 to ${max} characters`, { field });
  }
  return value;
}

function requireAmount(value: unknown, field: string): void {
  if (!Number.isSafeInteger(value) || (value as number) <= 0)
    throw invalidInput(`${field} must be a positive integer in minor units`, { field });
}

export class WechatPayClient {
  readonly identity: MerchantIdentity;
  readonly signer: MerchantSigner;
  readonly certificates: CertificateManager | undefined;
  readonly resolver: PublicKeyResolver;
  readonly core: ApiCore;
  private readonly publicKey: { id: string; key: KeyObject } | undefined;
  private readonly notifications: NotificationParser;
  private readonly ownTransport: ReturnType<typeof createNodeTransport> | undefined;
  private readonly apiV3Key: string;

  constructor(opts: WechatPayClientOptions) {
    if (opts.mode === 'direct') {
      this.identity = { mode: 'direct', mchid: opts.mchid, appid: opts.appid };
    } else if (opts.mode === 'institution') {
      this.identity = {
        mode: 'institution',
        spMchid: opts.spMchid,
        spAppid: opts.spAppid,
        subMchid: opts.subMchid,
        subAppid: opts.subAppid,
      };
    } else {
      throw new WechatPayError({ kind: 'config', code: CLIENT_ERROR_CODES.config, message: 'mode must be "direct" or "institution"' });
    }
    const missing = Object.entries({ ...this.identity, merchantSerial: opts.merchantSerial, apiV3Key: opts.apiV3Key })
      .filter(([k, v]) => k !== 'subAppid' && (typeof v !== 'string' || v === ''))
      .map(([k]) => k);
    if (missing.length)
      throw new WechatPayError({ kind: 'config', code: CLIENT_ERROR_CODES.config, message: `missing ${missing.join(', ')}` });
    if (Buffer.byteLength(opts.apiV3Key) !== 32) {
      throw new WechatPayError({ kind: 'config', code: CLIENT_ERROR_CODES.config, message: 'apiV3Key must be 32 bytes' });
    }
    this.apiV3Key = opts.apiV3Key;
    this.signer = new MerchantSigner({ mchid: this.callerMchid, serial: opts.merchantSerial, privateKey: opts.privateKey });

    const resolvers: PublicKeyResolver[] = [];
    let publicKeyResolver: StaticKeyResolver | undefined;
    if (opts.platformPublicKey) {
      this.publicKey = { id: opts.platformPublicKey.id, key: loadPublicKey(opts.platformPublicKey.key) };
      publicKeyResolver = new StaticKeyResolver([this.publicKey]);
      resolvers.push(publicKeyResolver);
    }
    const download = opts.downloadCertificates ?? !opts.platformPublicKey;
    if (download || opts.platformCertificates?.length) {
      this.certificates = new CertificateManager({
        apiV3Key: opts.apiV3Key,
        pinned: opts.platformCertificates,
        now: opts.now,
        alsoTrusted: publicKeyResolver,
      });
      resolvers.push(this.certificates);
    }
    if (resolvers.length === 0) {
      throw new WechatPayError({
        kind: 'config',
        code: CLIENT_ERROR_CODES.config,
        message: 'no way to verify WeChat Pay: give a platform public key or allow certificate download',
      });
    }
    this.resolver = resolvers.length === 1 ? resolvers[0]! : new CombinedKeyResolver(resolvers);

    let transport = opts.transport;
    if (!transport) {
      this.ownTransport = createNodeTransport();
      transport = this.ownTransport;
    }
    this.core = new ApiCore({
      baseUrl: opts.baseUrl ?? DEFAULT_BASE_URL,
      signer: this.signer,
      resolver: this.resolver,
      transport,
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retry: opts.retry,
      userAgent: opts.userAgent,
      acceptLanguage: opts.acceptLanguage,
      defaultWechatpaySerial: opts.platformPublicKey?.id,
      now: opts.now,
      sleep: opts.sleep,
    });
    if (this.certificates && download) this.certificates.attach(this.core);
    this.notifications = new NotificationParser({ apiV3Key: opts.apiV3Key, resolver: this.resolver, now: opts.now });
  }

  /** `mchid` (direct) or `sp_mchid` (institution): the merchant in the Authorization header. */
  get callerMchid(): string {
    return this.identity.mode === 'direct' ? this.identity.mchid : this.identity.spMchid;
  }

  /** Closes keep-alive sockets of the default transport. */
  close(): void {
    this.ownTransport?.close();
  }

  // --- identity fields ---------------------------------------------------------------------------------------

  private queryIdentity(sub?: string): Record<string, string> {
    const id = this.identity;
    return id.mode === 'direct' ? { mchid: id.mchid } : { sp_mchid: id.spMchid, sub_mchid: sub ?? id.subMchid };
  }

  private bodyIdentity(withApp: boolean, o: { sub_mchid?: string; sub_appid?: string } = {}): Record<string, string> {
    const id = this.identity;
    if (id.mode === 'direct') return withApp ? { mchid: id.mchid, appid: id.appid } : { mchid: id.mchid };
    const out: Record<string, string> = { sp_mchid: id.spMchid, sub_mchid: o.sub_mchid ?? id.subMchid };
    if (withApp) {
      out.sp_appid = id.spAppid;
      const subAppid = o.sub_appid ?? id.subAppid;
      if (subAppid) out.sub_appid = subAppid;
    }
    return out;
  }

  private json<T>(res: ApiResponse): T {
    try {
      const v = JSON.parse(res.text) as unknown;
      if (v && typeof v === 'object') return v as T;
    } catch {
      /* fall through */
    }
    throw new WechatPayError({
      kind: 'invalid_response',
      code: CLIENT_ERROR_CODES.invalidResponse,
      message: `expected a JSON object from WeChat Pay (HTTP ${res.status})`,
      status: res.status,
      requestId: res.requestId,
      body: res.text.slice(0, 2000),
    });
  }

  private checkPayer(payer: JsapiOrderRequest['payer'], subAppid: string | undefined): void {
    if (this.identity.mode === 'direct') {
      if (!payer?.openid) throw invalidInput('direct mode needs payer.openid', { field: 'payer.openid' });
      return;
    }
    if (!payer?.sub_openid && !payer?.sp_openid)
      throw invalidInput('institution mode needs payer.sub_openid or payer.sp_openid', { field: 'payer' });
    if (payer.sub_openid && !(subAppid ?? this.identity.subAppid)) {
      throw invalidInput('payer.sub_openid needs sub_appid', { field: 'sub_appid' });
    }
  }

  // --- payments ----------------------------------------------------------------------------------------------

  /** POST /v3/global/transactions/jsapi (Mini Program and JSAPI). Idempotent per out_trade_no, so retried. */
  async jsapiOrder(req: JsapiOrderRequest): Promise<JsapiOrderResponse> {
    requireText(req.out_trade_no, 'out_trade_no', OUT_TRADE_NO_MAX_LENGTH);
    requireText(req.description, 'description', 127);
    requireText(req.notify_url, 'notify_url', 256);
    requireText(req.merchant_category_code, 'merchant_category_code', 32);
    requireAmount(req.amount?.total, 'amount.total');
    this.checkPayer(req.payer, req.sub_appid);
    const { sub_mchid, sub_appid, ...rest } = req;
    const body = { ...this.bodyIdentity(true, { sub_mchid, sub_appid }), ...rest, trade_type: 'JSAPI' };
    const res = await this.core.call({ method: 'POST', path: '/v3/global/transactions/jsapi', body, idempotent: true });
    const out = this.json<JsapiOrderResponse>(res);
    if (typeof out.prepay_id !== 'string' || !out.prepay_id) {
      throw new WechatPayError({
        kind: 'invalid_response',
        code: CLIENT_ERROR_CODES.invalidResponse,
        message: 'JSAPI answer has no prepay_id',
        requestId: res.requestId,
      });
    }
    return out;
  }

  /**
   * The object for wx.requestPayment. The signed appId follows the mode: direct `appid`; institution `sub_appid`
   * when the payer is a `sub_openid` (every Mini Program), `sp_appid` when it is an `sp_openid`.
   */
  async requestPaymentParams(opts: {
    prepayId: string;
    payer?: 'openid' | 'sub_openid' | 'sp_openid';
    subAppid?: string;
    timeStamp?: string;
    nonceStr?: string;
  }): Promise<RequestPaymentParams> {
    requireText(opts.prepayId, 'prepayId', 64);
    const appId = this.payAppId(opts.payer, opts.subAppid);
    const timeStamp = opts.timeStamp ?? String(Math.floor(Date.now() / 1000));
    const nonceStr = opts.nonceStr ?? randomNonce();
    const pkg = `prepay_id=${opts.prepayId}`;
    const paySign = await this.signer.signPayment(appId, timeStamp, nonceStr, pkg);
    return { timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign };
  }

  /** The appId that paySign is computed with. */
  payAppId(payer?: 'openid' | 'sub_openid' | 'sp_openid', subAppid?: string): string {
    const id = this.identity;
    if (id.mode === 'direct') return id.appid;
    if (payer === 'sp_openid') return id.spAppid;
    const sub = subAppid ?? id.subAppid;
    if (payer === 'sub_openid' && !sub) throw invalidInput('a sub_openid payer needs sub_appid to sign paySign', { field: 'sub_appid' });
    return sub ?? id.spAppid;
  }

  /** JSAPI order plus the wx.requestPayment parameters signed with the matching appId. */
  async jsapiPrepayWithRequestPayment(req: JsapiOrderRequest): Promise<{ prepay_id: string; params: RequestPaymentParams }> {
    const { prepay_id } = await this.jsapiOrder(req);
    const payer = req.payer.sub_openid ? 'sub_openid' : req.payer.sp_openid ? 'sp_openid' : 'openid';
    return { prepay_id, params: await this.requestPaymentParams({ prepayId: prepay_id, payer, subAppid: req.sub_appid }) };
  }

  /**
   * Quick Pay charge, POST /v3/global/micropay/transactions/pay. Never retried: after a timeout or network error
   * (WechatPayError.outcomeUnknown) query the order by out_trade_no first. USERPAYING is reported in whichever of
   * the three forms WeChat Pay uses (trade_state, HTTP 202, or error code USERPAYING / USER_PAYING).
   */
  async micropayPay(req: MicropayRequest): Promise<MicropayResult> {
    requireText(req.out_trade_no, 'out_trade_no', OUT_TRADE_NO_MAX_LENGTH);
    requireText(req.description, 'description', 127);
    requireText(req.merchant_category_code, 'merchant_category_code', 32);
    requireAmount(req.amount?.total, 'amount.total');
    if (typeof req.payer?.auth_code !== 'string' || !/^1[0-5]\d{16}$/.test(req.payer.auth_code)) {
      throw invalidInput('payer.auth_code must be the 18-digit payment code (prefix 10-15)', { field: 'payer.auth_code' });
    }
    const { sub_mchid, sub_appid, ...rest } = req;
    const body = { ...this.bodyIdentity(true, { sub_mchid, sub_appid }), ...rest, trade_type: 'MICROPAY' };
    let res: ApiResponse;
    try {
      res = await this.core.call({ method: 'POST', path: '/v3/global/micropay/transactions/pay', body, idempotent: false });
    } catch (err) {
      if (isWechatPayError(err, ERROR_CODE_ALIASES.userPaying))
        return { outcome: 'USERPAYING', via: 'error_code', requestId: err.requestId };
      throw err;
    }
    if (res.status === 202) {
      let transaction: Transaction | undefined;
      try {
        const j = JSON.parse(res.text) as Record<string, unknown>;
        if (j && (j.id || j.transaction_id)) transaction = normalizeTransaction(j);
      } catch {
        transaction = undefined;
      }
      return { outcome: 'USERPAYING', via: 'http_202', transaction, requestId: res.requestId };
    }
    const transaction = normalizeTransaction(this.json<Record<string, unknown>>(res));
    if (transaction.trade_state === 'SUCCESS') return { outcome: 'SUCCESS', transaction, requestId: res.requestId };
    if (transaction.trade_state === 'USERPAYING')
      return { outcome: 'USERPAYING', via: 'trade_state', transaction, requestId: res.requestId };
    return { outcome: 'FAILED', transaction, requestId: res.requestId };
  }

  /** Reverse (撤销) a Quick Pay order; same day only. Repeating it is harmless, so it is retried. */
  async micropayReverse(ref: OrderRef & { sub_mchid?: string }): Promise<void> {
    const path =
      ref.out_trade_no !== undefined
        ? `/v3/global/micropay/transactions/out-trade-no/${enc(requireText(ref.out_trade_no, 'out_trade_no', OUT_TRADE_NO_MAX_LENGTH))}/reverse`
        : `/v3/global/micropay/transactions/id/${enc(requireText(ref.transaction_id, 'transaction_id', 32))}/reverse`;
    await this.core.call({ method: 'POST', path, body: this.bodyIdentity(false, { sub_mchid: ref.sub_mchid }), idempotent: true });
  }

  async queryOrderById(transactionId: string, opts: { sub_mchid?: string } = {}): Promise<Transaction> {
    const path = `/v3/global/transactions/id/${enc(requireText(transactionId, 'transaction_id', 32))}`;
    const res = await this.core.call({ method: 'GET', path, query: this.queryIdentity(opts.sub_mchid), idempotent: true });
    return normalizeTransaction(this.json(res));
  }

  async queryOrderByOutTradeNo(outTradeNo: string, opts: { sub_mchid?: string } = {}): Promise<Transaction> {
    const path = `/v3/global/transactions/out-trade-no/${enc(requireText(outTradeNo, 'out_trade_no', OUT_TRADE_NO_MAX_LENGTH))}`;
    const res = await this.core.call({ method: 'GET', path, query: this.queryIdentity(opts.sub_mchid), idempotent: true });
    return normalizeTransaction(this.json(res));
  }

  /** Close an unpaid order (204). Error code ORDERPAID means it was paid: query it. */
  async closeOrder(ref: OrderRef & { sub_mchid?: string }): Promise<void> {
    const path =
      ref.out_trade_no !== undefined
        ? `/v3/global/transactions/out-trade-no/${enc(requireText(ref.out_trade_no, 'out_trade_no', OUT_TRADE_NO_MAX_LENGTH))}/close`
        : `/v3/global/transactions/id/${enc(requireText(ref.transaction_id, 'transaction_id', 32))}/close`;
    await this.core.call({ method: 'POST', path, body: this.bodyIdentity(false, { sub_mchid: ref.sub_mchid }), idempotent: true });
  }

  // --- refunds -----------------------------------------------------------------------------------------------

  /** POST /v3/global/refunds. Idempotent per out_refund_no: retried with the same body. */
  async refund(req: RefundRequest): Promise<Refund> {
    requireText(req.out_refund_no, 'out_refund_no', OUT_REFUND_NO_MAX_LENGTH);
    if (!req.transaction_id && !req.out_trade_no) throw invalidInput('give transaction_id or out_trade_no', { field: 'out_trade_no' });
    requireAmount(req.amount?.refund, 'amount.refund');
    requireAmount(req.amount?.total, 'amount.total');
    if (req.amount.refund > req.amount.total) throw invalidInput('amount.refund exceeds amount.total', { field: 'amount.refund' });
    requireText(req.amount.currency, 'amount.currency', 3);
    const { sub_mchid, sub_appid, ...rest } = req;
    const body = { ...this.bodyIdentity(true, { sub_mchid, sub_appid }), ...rest };
    const res = await this.core.call({ method: 'POST', path: '/v3/global/refunds', body, idempotent: true });
    return normalizeRefund(this.json(res));
  }

  async queryRefundByOutRefundNo(outRefundNo: string, opts: { sub_mchid?: string } = {}): Promise<Refund> {
    const path = `/v3/global/refunds/out-refund-no/${enc(requireText(outRefundNo, 'out_refund_no', OUT_REFUND_NO_MAX_LENGTH))}`;
    const res = await this.core.call({ method: 'GET', path, query: this.queryIdentity(opts.sub_mchid), idempotent: true });
    return normalizeRefund(this.json(res));
  }

  async queryRefundById(refundId: string, opts: { sub_mchid?: string } = {}): Promise<Refund> {
    const path = `/v3/global/refunds/id/${enc(requireText(refundId, 'refund_id', 64))}`;
    const res = await this.core.call({ method: 'GET', path, query: this.queryIdentity(opts.sub_mchid), idempotent: true });
    return normalizeRefund(this.json(res));
  }

  /** GET /v3/global/refunds: all refunds of one order, `count` 1..20 per page. */
  async listRefunds(req: ListRefundsRequest): Promise<RefundList> {
    if (!req.out_trade_no && !req.transaction_id) throw invalidInput('give out_trade_no or transaction_id', { field: 'out_trade_no' });
    if (!Number.isInteger(req.count) || req.count < 1 || req.count > 20)
      throw invalidInput('count must be an integer from 1 to 20', { field: 'count' });
    if (!Number.isInteger(req.offset) || req.offset < 0) throw invalidInput('offset must be a non-negative integer', { field: 'offset' });
    const query = {
      transaction_id: req.transaction_id,
      out_trade_no: req.out_trade_no,
      count: req.count,
      offset: req.offset,
      ...this.queryIdentity(req.sub_mchid),
    };
    const res = await this.core.call({ method: 'GET', path: '/v3/global/refunds', query, idempotent: true });
    const list = this.json<RefundList>(res);
    return { ...list, data: Array.isArray(list.data) ? list.data.map((r) => normalizeRefund(r as Record<string, unknown>)) : [] };
  }

  // --- statements, settlements, certificates ------------------------------------------------------------------

  /**
   * GET /v3/global/statements: a CSV file. Checks the SHA-1 header against the (gunzipped) text and the signature
   * over `{"sha1":"..."}`, then parses the rows. `sub_mchid: null` asks an institution for all sub-merchants.
   */
  async downloadStatement(opts: { date: string; sub_mchid?: string | null }): Promise<Statement> {
    if (!/^\d{8}$/.test(opts.date ?? '')) throw invalidInput('date must be written yyyyMMdd', { field: 'date' });
    const id = this.identity;
    const query =
      id.mode === 'direct'
        ? { date: opts.date, mchid: id.mchid }
        : { date: opts.date, sp_mchid: id.spMchid, sub_mchid: opts.sub_mchid === null ? undefined : (opts.sub_mchid ?? id.subMchid) };
    const res = await this.core.call({
      method: 'GET',
      path: '/v3/global/statements',
      query,
      idempotent: true,
      verify: 'statement',
      headers: { 'Accept-Encoding': 'gzip' },
    });
    const declared = res.headers['wechatpay-statement-sha1'];
    if (!declared) {
      await this.core.verify(res.headers, res.text, res.status, res.requestId); // unsigned: reported as forged
      throw new WechatPayError({
        kind: 'invalid_response',
        code: CLIENT_ERROR_CODES.invalidResponse,
        message: 'statement has no Wechatpay-Statement-Sha1 header',
        status: res.status,
        requestId: res.requestId,
      });
    }
    await this.core.verify(res.headers, statementDigestBody(declared), res.status, res.requestId, res.attempts);
    const actual = createHash('sha1').update(res.body).digest('hex');
    if (actual !== declared.toLowerCase()) {
      throw new WechatPayError({
        kind: 'invalid_response',
        code: 'STATEMENT_SHA1_MISMATCH',
        message: `statement SHA-1 ${actual} differs from Wechatpay-Statement-Sha1 ${declared}`,
        status: res.status,
        requestId: res.requestId,
      });
    }
    return parseStatementCsv(res.text, actual);
  }

  /** GET /v3/global/settle/settlements; invalid input is refused before anything is sent. */
  async querySettlements(q: SettlementQuery): Promise<SettlementList> {
    validateSettlementQuery(q);
    const unsettle = q.settle_state === 'UNSETTLE';
    const query = {
      sub_mchid: q.sub_mchid,
      settle_state: q.settle_state,
      settle_start_date: unsettle ? undefined : q.settle_start_date,
      settle_end_date: unsettle ? undefined : q.settle_end_date,
      offset: q.offset,
      limit: q.limit,
    };
    const res = await this.core.call({ method: 'GET', path: '/v3/global/settle/settlements', query, idempotent: true });
    const list = this.json<SettlementList>(res);
    return { ...list, data: Array.isArray(list.data) ? list.data : [] };
  }

  /** Downloads, verifies and decrypts the platform certificates now; returns every trusted one. */
  async downloadCertificates(): Promise<PlatformCertificate[]> {
    if (!this.certificates)
      throw new WechatPayError({ kind: 'config', code: CLIENT_ERROR_CODES.config, message: 'certificate download is disabled' });
    await this.certificates.refresh();
    return this.certificates.list();
  }

  /**
   * RSA-OAEP (SHA-1) for a sensitive field, with the public key WeChat Pay will decrypt with. Send the returned
   * serial as the `Wechatpay-Serial` request header (`call({..., wechatpaySerial})`).
   */
  async encryptSensitive(plaintext: string): Promise<{ ciphertext: string; serial: string }> {
    if (this.publicKey) return { ciphertext: encryptOaep(this.publicKey.key, plaintext), serial: this.publicKey.id };
    const cert = await this.certificates!.newest();
    return { ciphertext: encryptOaep(cert.publicKey, plaintext), serial: cert.serial };
  }

  /** Any signed call with a verified answer (used by the CLI's `call`). */
  request(call: CallOptions): Promise<ApiResponse> {
    return this.core.call(call);
  }

  /** Verify and decrypt a notification from its raw body and headers. `{ok:false}` means answer 4xx. */
  parseNotification(headers: HeaderSource, rawBody: string | Buffer): Promise<NotificationResult> {
    return this.notifications.parse(headers, rawBody);
  }
}

/** The constructor, as a function. */
export function createWechatPayClient(opts: WechatPayClientOptions): WechatPayClient {
  return new WechatPayClient(opts);
}
