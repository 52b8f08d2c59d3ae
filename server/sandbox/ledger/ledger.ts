// Orders and refunds with WeChat Pay's state machines and rules. Every transition is one conditional
// single-document update; idempotency comes from unique indexes on (merchant, out_trade_no / out_refund_no).
import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import { gmt8Date } from '../clock';
import type { MerchantSettings, Settings } from '../config';
import { errors, WxError } from '../routes/errors';
import { exchangeRate, toPayerAmount } from './money';
import type { MicropayScenario, Models, OrderDoc, RefundDoc, TradeState } from './models';
import { prepayId, refundId, transactionId } from './ids';

export interface Identity {
  mode: 'direct' | 'institution';
  mchid: string; // direct mchid or sp_mchid
  sub_mchid?: string;
  merchantKey: string;
}

export interface OrderInput {
  appid: string;
  sub_appid?: string;
  description: string;
  attach?: string;
  notify_url?: string;
  out_trade_no: string;
  trade_type: 'JSAPI' | 'MICROPAY';
  merchant_category_code: string;
  goods_tag?: string;
  payer: OrderDoc['payer'];
  amount: { total: number; currency: string };
  scene_info?: Record<string, unknown>;
  detail?: Record<string, unknown> | Record<string, unknown>[];
  time_expire?: Date;
}

export interface RefundInput {
  transaction_id?: string;
  out_trade_no?: string;
  out_refund_no: string;
  reason?: string;
  notify_url?: string;
  source?: string;
  amount: { refund: number; total: number; currency: string };
}

export interface LedgerEvents {
  paid(order: OrderDoc): Promise<void>;
  refundSettled(refund: RefundDoc, order: OrderDoc): Promise<void>;
  refundCreated(refund: RefundDoc): void;
}

export const MAX_REFUNDS_PER_ORDER = 50;
const isDup = (e: unknown) => (e as { code?: number })?.code === 11000;

export function digestOf(v: unknown): string {
  const canon = (x: unknown): unknown =>
    x && typeof x === 'object' && !Array.isArray(x) && !(x instanceof Date)
      ? Object.fromEntries(
          Object.keys(x as object)
            .sort()
            .filter((k) => (x as Record<string, unknown>)[k] !== undefined)
            .map((k) => [k, canon((x as Record<string, unknown>)[k])]),
        )
      : x;
  return createHash('sha256')
    .update(JSON.stringify(canon(v)))
    .digest('hex');
}

/** Quick Pay outcome chosen by the last four digits of auth_code (see README). */
export function micropayScenario(authCode: string): { scenario: MicropayScenario; queries: number } {
  const tail = authCode.slice(-4);
  if (tail === '9990') return { scenario: 'userpaying-forever', queries: 0 };
  if (/^999[1-9]$/.test(tail)) return { scenario: 'userpaying-then-success', queries: Number(tail[3]) };
  if (tail === '9980') return { scenario: 'fail', queries: 0 };
  if (/^998[1-9]$/.test(tail)) return { scenario: 'userpaying-then-fail', queries: Number(tail[3]) };
  return { scenario: 'success', queries: 0 };
}

export const orderKey = (merchantKey: string, outTradeNo: string) => `${merchantKey}|${outTradeNo}`;

/** How many unpaid JSAPI orders the cashier keeps in memory by prepay_id (oldest forgotten first). */
const PAYABLE_CACHE_SIZE = 20000;

export class Ledger {
  /** PROCESSING refund id -> when it settles (loaded once, then kept up to date: no scans per cycle). */
  private readonly settling = new Map<string, number>();
  private settlingLoaded = false;
  /**
   * prepay_id -> the order as this instance last wrote it, so the cashier needs no read. Only a hint: the pay
   * update is conditional on the order's `version`, and any refusal is decided again on a fresh read.
   */
  private readonly payable = new Map<string, OrderDoc>();

  constructor(
    private readonly models: Models,
    private readonly clock: Clock,
    private readonly settings: Settings,
    private readonly events: LedgerEvents,
    /** The merchant's run-time settings (promotion, refund balances), by mchid / sp_mchid. */
    private readonly merchantSettings: (mchid: string) => MerchantSettings = () => ({}),
  ) {}

  private async alias(keys: string[], ref: string): Promise<void> {
    try {
      await this.models.Alias.collection.insertMany(
        keys.map((k) => ({ _id: k, ref }) as never),
        { ordered: false },
      );
    } catch (e) {
      // An alias that exists already names the same document (keys are unique ids).
      const writeErrors = (e as { writeErrors?: Array<{ code?: number }> }).writeErrors;
      if (!isDup(e) && !(writeErrors && writeErrors.every((w) => w.code === 11000))) throw e;
    }
  }

  /** The document an alias names; falls back to a field query when the alias is missing (e.g. after a crash). */
  private async byAlias<T>(key: string, fallback: () => Promise<T | null>, load: (id: string) => Promise<T | null>): Promise<T | null> {
    const a = await this.models.Alias.findById(key).lean();
    if (a) return load(a.ref);
    return fallback();
  }

  private paidFields(order: Pick<OrderDoc, 'amount' | 'mchid'>, now: number) {
    // A configured coupon/discount takes its amount off what the payer pays (never the whole order), and is
    // reported as the seed's promotion_detail: amount = wechatpay + merchant + other contributions.
    const promo = this.merchantSettings(order.mchid).promotion;
    const discount = promo && promo.amount < order.amount.total ? promo : undefined;
    const payerPays = order.amount.total - (discount?.amount ?? 0);
    return {
      trade_state: 'SUCCESS' as TradeState,
      success_time: new Date(now),
      bank_type: 'OTHERS',
      payer_total: toPayerAmount(payerPays, order.amount.currency),
      payer_currency: 'CNY',
      exchange_rate: exchangeRate(order.amount.currency),
      ...(discount
        ? {
            promotion_detail: [
              {
                promotion_id: discount.promotion_id,
                name: discount.name,
                scope: discount.scope,
                type: discount.type,
                amount: discount.amount,
                currency: order.amount.currency,
                activity_id: discount.activity_id,
                wechatpay_contribute_amount: discount.wechatpay_contribute_amount,
                merchant_contribute_amount: discount.merchant_contribute_amount,
                other_contribute_amount: discount.other_contribute_amount,
              },
            ],
          }
        : {}),
    };
  }

  private orderDigest(id: Identity, inp: OrderInput): string {
    return digestOf({
      k: id.merchantKey,
      appid: inp.appid,
      sub_appid: inp.sub_appid,
      description: inp.description,
      attach: inp.attach,
      notify_url: inp.notify_url,
      trade_type: inp.trade_type,
      goods_tag: inp.goods_tag,
      payer: inp.payer,
      amount: inp.amount,
      time_expire: inp.time_expire?.getTime(),
    });
  }

  private newOrder(id: Identity, inp: OrderInput, now: number): OrderDoc {
    return {
      _id: orderKey(id.merchantKey, inp.out_trade_no),
      merchantKey: id.merchantKey,
      mode: id.mode,
      mchid: id.mchid,
      sub_mchid: id.sub_mchid,
      appid: inp.appid,
      sub_appid: inp.sub_appid,
      out_trade_no: inp.out_trade_no,
      transaction_id: transactionId(now),
      trade_type: inp.trade_type,
      description: inp.description,
      attach: inp.attach,
      notify_url: inp.notify_url,
      merchant_category_code: inp.merchant_category_code,
      goods_tag: inp.goods_tag,
      payer: inp.payer,
      amount: inp.amount,
      scene_info: inp.scene_info,
      detail: inp.detail,
      time_expire: inp.time_expire,
      digest: this.orderDigest(id, inp),
      trade_state: 'NOTPAY',
      created_at: new Date(now),
      backdated_ms: 0,
      refundable: 0,
      refund_count: 0,
      version: 0,
    };
  }

  /**
   * A new order, written as built: newOrder sets every field the schema defaults, so hydrating a mongoose
   * document adds CPU and nothing else. Absent fields are left out, as mongoose would (sandbox-ledger.test
   * holds the stored document to the model's).
   */
  private insertOrder(doc: OrderDoc): Promise<unknown> {
    return this.models.Order.collection.insertOne(doc as never, { ignoreUndefined: true });
  }

  private remember(o: OrderDoc): void {
    if (!o.prepay_id) return;
    this.payable.set(o.prepay_id, o);
    if (this.payable.size > PAYABLE_CACHE_SIZE) this.payable.delete(this.payable.keys().next().value!);
  }

  prepayValid(o: OrderDoc): boolean {
    if (!o.prepay_issued_at) return false;
    if (o.time_expire && this.clock.now() >= o.time_expire.getTime()) return false;
    return this.clock.elapsed(o.prepay_issued_at, o.backdated_ms) < this.settings.prepayValiditySeconds * 1000;
  }

  /**
   * JSAPI order: the same out_trade_no with the same parameters gives the same prepay_id while it is valid.
   * A new order is one insert (the unique `_id` says whether it exists); an existing one is read after the
   * insert is refused. Orders are found by `prepay_id` and `transaction_id` through their indexes.
   */
  async placeJsapi(id: Identity, inp: OrderInput): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock.now();
      const doc: OrderDoc = { ...this.newOrder(id, inp, now), prepay_id: prepayId(now), prepay_issued_at: new Date(now) };
      try {
        await this.insertOrder(doc);
        this.remember(doc);
        return doc.prepay_id!;
      } catch (e) {
        if (!isDup(e)) throw e;
      }
      const existing = await this.models.Order.findById(doc._id).lean<OrderDoc>();
      if (existing) return this.reusePrepay(existing, this.orderDigest(id, inp));
    }
    throw errors.system();
  }

  private async reusePrepay(o: OrderDoc, digest: string): Promise<string> {
    if (o.trade_type !== 'JSAPI' || o.digest !== digest) throw errors.outTradeNoUsed();
    if (o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND') throw errors.orderPaid();
    if (o.trade_state === 'CLOSED' || o.trade_state === 'REVOKED') throw errors.orderClosed();
    if (o.trade_state !== 'NOTPAY')
      throw errors.tradeError('订单支付失败，请更换商户订单号重新下单', 'The payment failed; place a new order');
    if (this.prepayValid(o)) return o.prepay_id!;
    if (o.time_expire && this.clock.now() >= o.time_expire.getTime()) throw errors.orderClosed();
    const now = this.clock.now();
    const fresh = prepayId(now);
    const upd = await this.models.Order.findOneAndUpdate(
      { _id: o._id, prepay_id: o.prepay_id, trade_state: 'NOTPAY' },
      { $set: { prepay_id: fresh, prepay_issued_at: new Date(now), backdated_ms: 0 }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    ).lean<OrderDoc>();
    if (upd) {
      this.payable.delete(o.prepay_id!);
      this.remember(upd);
      return fresh;
    }
    const again = await this.models.Order.findById(o._id).lean<OrderDoc>();
    return this.reusePrepay(again!, digest);
  }

  /** Quick Pay: the outcome is chosen by the auth_code (see micropayScenario). */
  async micropay(id: Identity, inp: OrderInput): Promise<OrderDoc> {
    const digest = this.orderDigest(id, inp);
    const existing = await this.models.Order.findById(orderKey(id.merchantKey, inp.out_trade_no)).lean<OrderDoc>();
    if (existing) {
      if (existing.digest !== digest) throw errors.outTradeNoUsed();
      return existing;
    }
    const now = this.clock.now();
    const { scenario, queries } = micropayScenario(inp.payer.auth_code ?? '');
    const base = this.newOrder(id, inp, now);
    const doc: OrderDoc =
      scenario === 'success'
        ? { ...base, ...this.paidFields(base, now), refundable: base.amount.total }
        : scenario === 'fail'
          ? { ...base, trade_state: 'PAYERROR' }
          : { ...base, trade_state: 'USERPAYING', micropay: { scenario, queries_needed: queries, queries: 0 } };
    try {
      await this.insertOrder(doc);
      return doc;
    } catch (e) {
      if (!isDup(e)) throw e;
      return this.micropay(id, inp);
    }
  }

  async findOrder(id: Identity, by: { transaction_id?: string; out_trade_no?: string }): Promise<OrderDoc> {
    const load = (key: string) => this.models.Order.findById(key).lean<OrderDoc>();
    const o = by.transaction_id
      ? await this.models.Order.findOne({ transaction_id: by.transaction_id }).lean<OrderDoc>()
      : await load(orderKey(id.merchantKey, by.out_trade_no ?? ''));
    if (!o || o.merchantKey !== id.merchantKey) throw errors.orderNotExist();
    return o;
  }

  /** A query; a USERPAYING Quick Pay order moves on after the number of queries its auth_code asked for. */
  async queryOrder(id: Identity, by: { transaction_id?: string; out_trade_no?: string }): Promise<OrderDoc> {
    const o = await this.findOrder(id, by);
    if (o.trade_state !== 'USERPAYING' || !o.micropay || o.micropay.scenario === 'userpaying-forever') return o;
    const counted = await this.models.Order.findOneAndUpdate(
      { _id: o._id, trade_state: 'USERPAYING' },
      { $inc: { 'micropay.queries': 1, version: 1 } },
      { returnDocument: 'after' },
    ).lean<OrderDoc>();
    if (!counted || !counted.micropay || counted.micropay.queries < counted.micropay.queries_needed) return counted ?? o;
    const now = this.clock.now();
    const set =
      counted.micropay.scenario === 'userpaying-then-success'
        ? { ...this.paidFields(counted, now), refundable: counted.amount.total }
        : { trade_state: 'PAYERROR' as TradeState };
    const done = await this.models.Order.findOneAndUpdate(
      { _id: o._id, trade_state: 'USERPAYING' },
      { $set: set, $inc: { version: 1 } },
      { returnDocument: 'after' },
    ).lean<OrderDoc>();
    return done ?? (await this.findOrder(id, by));
  }

  async close(id: Identity, by: { transaction_id?: string; out_trade_no?: string }): Promise<void> {
    const o = await this.findOrder(id, by);
    if (o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND') throw errors.orderPaid();
    if (o.trade_state === 'CLOSED' || o.trade_state === 'REVOKED') return;
    if (o.trade_state === 'USERPAYING') throw errors.tradeError('用户支付中，请使用撤销', 'The user is paying; reverse the order instead');
    if (this.clock.elapsed(o.created_at, o.backdated_ms) < this.settings.closeMinAgeSeconds * 1000) {
      throw errors.ruleLimit('下单后5分钟内不能关单', 'An order cannot be closed within 5 minutes of its creation');
    }
    const upd = await this.models.Order.findOneAndUpdate(
      { _id: o._id, trade_state: { $in: ['NOTPAY', 'PAYERROR'] } },
      { $set: { trade_state: 'CLOSED' }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    ).lean<OrderDoc>();
    if (!upd) return this.close(id, by);
  }

  /** Quick Pay reverse: same GMT+8 day only (in simulated time); a paid order's money goes back. */
  async reverse(id: Identity, by: { transaction_id?: string; out_trade_no?: string }): Promise<void> {
    const o = await this.findOrder(id, by);
    if (o.trade_type !== 'MICROPAY') throw errors.tradeError('非付款码订单不能撤销', 'Only Quick Pay orders can be reversed');
    if (o.trade_state === 'REVOKED') return;
    const virtualNow = o.created_at.getTime() + this.clock.elapsed(o.created_at, o.backdated_ms);
    if (gmt8Date(virtualNow) !== gmt8Date(o.created_at)) {
      throw errors.ruleLimit('订单已超过撤销期限，请使用退款', 'Past the reverse window (same day); use a refund', 268449386);
    }
    if (o.trade_state === 'REFUND') throw errors.tradeError('订单已发生退款，不能撤销', 'The order has refunds and cannot be reversed');
    const upd = await this.models.Order.findOneAndUpdate(
      { _id: o._id, trade_state: { $in: ['USERPAYING', 'SUCCESS', 'PAYERROR', 'NOTPAY', 'CLOSED'] } },
      { $set: { trade_state: 'REVOKED', refundable: 0 }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    ).lean<OrderDoc>();
    if (!upd) return this.reverse(id, by);
  }

  async findByPrepay(prepay_id: string): Promise<OrderDoc | null> {
    return this.models.Order.findOne({ prepay_id }).lean<OrderDoc>();
  }

  /** The order this instance last wrote for `prepay_id`, if it still holds it (a hint: see `payable`). */
  cachedByPrepay(prepay_id: string): OrderDoc | undefined {
    return this.payable.get(prepay_id);
  }

  /**
   * The cashier: pays (NOTPAY -> SUCCESS, then TRANSACTION.SUCCESS) or fails (-> PAYERROR). One update,
   * conditional on the order being unchanged since `o` was read (its `version`).
   */
  async cashier(o: OrderDoc, action: 'pay' | 'fail'): Promise<OrderDoc> {
    const now = this.clock.now();
    const set = action === 'pay' ? { ...this.paidFields(o, now), refundable: o.amount.total } : { trade_state: 'PAYERROR' as TradeState };
    this.payable.delete(o.prepay_id!);
    // Typed values, written by the driver (no schema casting on the cashier's path).
    const res = await this.models.Order.collection.updateOne(
      { _id: o._id, trade_state: 'NOTPAY', prepay_id: o.prepay_id, version: o.version } as never,
      { $set: set, $inc: { version: 1 } },
    );
    if (res.matchedCount !== 1) throw errors.orderPaid();
    const upd: OrderDoc = { ...o, ...set, version: o.version + 1 };
    if (action === 'pay') await this.events.paid(upd);
    return upd;
  }

  async backdate(merchantKey: string | undefined, out_trade_no: string, seconds: number): Promise<OrderDoc | null> {
    return this.models.Order.findOneAndUpdate(
      { out_trade_no, ...(merchantKey ? { merchantKey } : {}) },
      { $inc: { backdated_ms: seconds * 1000, version: 1 } },
      { returnDocument: 'after' },
    ).lean<OrderDoc>();
  }

  // ---- refunds ----

  async createRefund(id: Identity, inp: RefundInput, forced?: RefundDoc['forced'], notEnough = false): Promise<RefundDoc> {
    const refundKey = orderKey(id.merchantKey, inp.out_refund_no);
    const existing = await this.models.Refund.findById(refundKey).lean<RefundDoc>();
    const order = await this.findOrder(id, { transaction_id: inp.transaction_id, out_trade_no: inp.out_trade_no });
    const digest = digestOf({ order: order._id, refund: inp.amount.refund, currency: inp.amount.currency, total: inp.amount.total });
    if (existing) {
      if (existing.digest !== digest) throw errors.outRefundNoUsed();
      return existing;
    }
    if (inp.amount.currency !== order.amount.currency) {
      throw errors.param('#/properties/amount/properties/currency', inp.amount.currency, 'must be the currency of the order');
    }
    if (inp.amount.total !== order.amount.total) {
      throw errors.param('#/properties/amount/properties/total', inp.amount.total, 'must equal the order amount');
    }
    const amt = inp.amount.refund;
    // The merchant's refundable funds: unsettled funds by default, recharged funds when the request says so.
    // Taken now (no await since the check) and given back if the refund is not created.
    const ms = this.merchantSettings(id.mchid);
    const pool = inp.source === 'REFUND_SOURCE_RECHARGE_FUNDS' ? 'rechargeBalance' : 'unsettledBalance';
    const balance = ms[pool];
    if (notEnough || (balance != null && balance < amt)) throw errors.notEnough();
    if (balance != null) ms[pool] = balance - amt;
    let created = false;
    try {
      const { doc, created: isNew } = await this.reserveAndCreate(id, inp, order, refundKey, digest, forced, amt);
      created = isNew;
      return doc;
    } finally {
      if (balance != null && !created) ms[pool] = (ms[pool] ?? 0) + amt;
    }
  }

  private async reserveAndCreate(
    id: Identity,
    inp: RefundInput,
    order: OrderDoc,
    refundKey: string,
    digest: string,
    forced: RefundDoc['forced'],
    amt: number,
  ): Promise<{ doc: RefundDoc; created: boolean }> {
    const now = this.clock.now();
    // Reported (not in the official pages) as ">= 1 minute between refunds of one order"; off unless configured.
    const interval = this.clock.scale(this.settings.refundMinIntervalSeconds * 1000);
    const tooSoon = interval > 0 ? new Date(now - interval) : undefined;
    const reserved = await this.models.Order.findOneAndUpdate(
      {
        _id: order._id,
        trade_state: { $in: ['SUCCESS', 'REFUND'] },
        refundable: { $gte: amt },
        refund_count: { $lt: MAX_REFUNDS_PER_ORDER },
        ...(tooSoon ? { $or: [{ last_refund_at: { $exists: false } }, { last_refund_at: { $lte: tooSoon } }] } : {}),
      },
      { $inc: { refundable: -amt, refund_count: 1, version: 1 }, $set: { trade_state: 'REFUND', last_refund_at: new Date(now) } },
      { returnDocument: 'after' },
    ).lean<OrderDoc>();
    if (!reserved) {
      const again = await this.models.Refund.findById(refundKey).lean<RefundDoc>();
      if (again) {
        if (again.digest !== digest) throw errors.outRefundNoUsed();
        return { doc: again, created: false };
      }
      const cur = (await this.models.Order.findById(order._id).lean<OrderDoc>())!;
      if (cur.trade_state !== 'SUCCESS' && cur.trade_state !== 'REFUND') {
        throw errors.invalidRequest('订单状态不正确，不能退款', `The order is ${cur.trade_state} and cannot be refunded`);
      }
      if (cur.refund_count >= MAX_REFUNDS_PER_ORDER) {
        throw errors.ruleLimit('退款次数超过限制', `An order can have at most ${MAX_REFUNDS_PER_ORDER} refunds`);
      }
      if (tooSoon && cur.refundable >= amt && cur.last_refund_at && cur.last_refund_at > tooSoon) throw errors.frequency();
      throw errors.invalidRequest('申请退款金额超过订单可退金额', 'The refund amount exceeds what remains refundable on the order');
    }
    const doc: RefundDoc = {
      _id: refundKey,
      merchantKey: id.merchantKey,
      mode: id.mode,
      mchid: id.mchid,
      sub_mchid: id.sub_mchid,
      out_refund_no: inp.out_refund_no,
      refund_id: refundId(now),
      order_id: order._id,
      transaction_id: order.transaction_id,
      out_trade_no: order.out_trade_no,
      amount: {
        refund: amt,
        total: order.amount.total,
        currency: order.amount.currency,
        // With a promotion the payer paid less: the payer's share of the refund is in proportion.
        payer_refund:
          order.promotion_detail?.length && order.payer_total !== undefined
            ? Math.round((amt * order.payer_total) / order.amount.total)
            : toPayerAmount(amt, order.amount.currency),
        payer_currency: 'CNY',
        exchange_rate: exchangeRate(order.amount.currency),
      },
      reason: inp.reason,
      notify_url: inp.notify_url,
      source: inp.source ?? 'REFUND_SOURCE_UNSETTLED_FUNDS',
      digest,
      status: 'PROCESSING',
      forced,
      created_at: new Date(now),
      settle_at: new Date(now + this.clock.scale(this.settings.refundSettleDelaySeconds * 1000)),
    };
    try {
      await this.models.Refund.create(doc);
    } catch (e) {
      if (!isDup(e)) throw e;
      await this.models.Order.updateOne({ _id: order._id }, { $inc: { refundable: amt, refund_count: -1, version: 1 } });
      const winner = (await this.models.Refund.findById(refundKey).lean<RefundDoc>())!;
      if (winner.digest !== digest) throw errors.outRefundNoUsed();
      return { doc: winner, created: false };
    }
    await this.alias([`refund:${doc.refund_id}`], doc._id);
    this.settling.set(doc._id, doc.settle_at.getTime());
    this.events.refundCreated(doc);
    return { doc, created: true };
  }

  async findRefund(id: Identity, by: { refund_id?: string; out_refund_no?: string }): Promise<RefundDoc> {
    const load = (key: string) => this.models.Refund.findById(key).lean<RefundDoc>();
    const r = by.refund_id
      ? await this.byAlias(`refund:${by.refund_id}`, () => this.models.Refund.findOne({ refund_id: by.refund_id }).lean<RefundDoc>(), load)
      : await load(orderKey(id.merchantKey, by.out_refund_no ?? ''));
    if (!r || r.merchantKey !== id.merchantKey) throw errors.refundNotExist();
    return r;
  }

  async refundsOf(order: OrderDoc): Promise<RefundDoc[]> {
    return this.models.Refund.find({ order_id: order._id }).sort({ created_at: 1 }).lean<RefundDoc[]>();
  }

  /** Forces a refund's outcome and makes it due now (admin). */
  async forceRefund(out_refund_no: string, status: 'SUCCESS' | 'REFUNDCLOSE' | 'ABNORMAL'): Promise<RefundDoc | null> {
    const r = await this.models.Refund.findOneAndUpdate(
      { out_refund_no, status: 'PROCESSING' },
      { $set: { forced: status, settle_at: new Date(this.clock.now()) } },
      { returnDocument: 'after' },
    ).lean<RefundDoc>();
    if (r) this.settling.set(r._id, r.settle_at.getTime());
    return r;
  }

  /** Settles the refunds that are due; returns when the next one is due. */
  async settleDue(): Promise<number | undefined> {
    if (!this.settlingLoaded) {
      const open = await this.models.Refund.find({ status: 'PROCESSING' }).lean<RefundDoc[]>();
      for (const r of open) this.settling.set(r._id, r.settle_at.getTime());
      this.settlingLoaded = true;
    }
    const now = this.clock.now();
    for (const [id, at] of [...this.settling]) {
      if (at > now) continue;
      const r = await this.models.Refund.findById(id).lean<RefundDoc>();
      if (!r || r.status !== 'PROCESSING') {
        this.settling.delete(id);
        continue;
      }
      if (r.settle_at.getTime() > now) {
        this.settling.set(id, r.settle_at.getTime());
        continue;
      }
      const status = r.forced ?? 'SUCCESS';
      const upd = await this.models.Refund.findOneAndUpdate(
        { _id: r._id, status: 'PROCESSING' },
        { $set: { status, ...(status === 'SUCCESS' ? { success_time: new Date(now) } : {}) } },
        { returnDocument: 'after' },
      ).lean<RefundDoc>();
      this.settling.delete(id);
      if (!upd) continue;
      // A closed refund gives its amount back to the order's refundable balance.
      const order =
        status === 'REFUNDCLOSE'
          ? await this.models.Order.findOneAndUpdate(
              { _id: r.order_id },
              { $inc: { refundable: r.amount.refund, version: 1 } },
              { returnDocument: 'after' },
            ).lean<OrderDoc>()
          : await this.models.Order.findById(r.order_id).lean<OrderDoc>();
      if (order) await this.events.refundSettled(upd, order);
    }
    let next: number | undefined;
    for (const at of this.settling.values()) next = next === undefined ? at : Math.min(next, at);
    return next;
  }
}

export { WxError };
