// Quick Pay (付款码) at the till. The order is written first (idempotent by the charge's requestId), then:
//   SUCCESS -> paid;  USERPAYING -> poll the query (about 30 s in all), then reverse if still paying;
//   timeout / network / 5xx -> QUERY FIRST, never charge blindly again (ORDER_NOT_EXIST: the same out_trade_no
//   may be charged again); a final refusal -> failed.
// The answer is the order's final state, or USERPAYING when even the reverse could not be confirmed (the
// pending-orders job keeps asking WeChat about it).
//
// A charge may name its till: the till must exist and be active (refused before anything is written or sent), and
// the order keeps a copy of it. WeChat Pay then receives the till as scene_info (store, device, operator = the
// cashier), `attach` = till:<id>, and detail.receipt_id = our out_trade_no (with goods_detail when the cashier
// listed the items). A charge without a till sends no scene_info (POS_REQUIRE_TILL makes the till mandatory).
import type { PosChargeResponse } from '../../../shared/api';
import { textLength, textProblem } from '../../../shared/text-limits';
import type { Logger } from '../logger';
import type { Order, OrderItem, OrderRepository } from './ports/orders';
import {
  ERROR_CODE_ALIASES,
  isOrderNotExist,
  isWechatPayError,
  type MicropayInput,
  type MicropayResult,
  type PaymentGateway,
  type Transaction,
} from './ports/payment-gateway';
import { DomainError } from './errors';
import { applyTransaction } from './order-state';
import { newOutTradeNo } from './order-view';
import { orderTill, toOrderTillView, type TillService } from './tills';

/** Waits between queries of a USERPAYING charge: 3 s, 5 s, 10 s, 12 s = 30 s (WeChat's guidance). */
export const DEFAULT_POS_POLL_MS = [3000, 5000, 10000, 12000];

/** The one order line of a charge whose items were not listed. */
export const POS_LINE_SKU = 'POS';
/** At most this many listed items per charge. */
export const MAX_POS_ITEMS = 50;
/** operator_id is string[1,32]: the cashier's username fits (USERNAME_PATTERN); anything longer is left out. */
const OPERATOR_ID_MAX_BYTES = 32;

export interface PosItemInput {
  name: string;
  quantity: number;
  unitPrice: number;
}

export interface PosChargeInput {
  authCode: string;
  amount: number;
  description: string;
  requestId: string;
  tillId?: string;
  items?: PosItemInput[];
}

export interface PosServiceOptions {
  orders: OrderRepository;
  /** The tills a charge may name; without it a charge naming a till is refused as unknown. */
  tills?: TillService;
  /** Refuse a charge that names no till (TILL_REQUIRED). */
  requireTill?: boolean;
  gateway: PaymentGateway;
  currency: string;
  logger: Logger;
  pollMs?: readonly number[];
  /** How many times a charge whose answer was lost is re-sent after WeChat says it does not know the order. */
  maxResend?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class PosService {
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  constructor(private readonly deps: PosServiceOptions) {
    this.now = deps.now ?? (() => new Date());
    this.sleep = deps.sleep ?? sleepReal;
  }

  async charge(input: PosChargeInput, cashier: string): Promise<{ result: PosChargeResponse; created: boolean }> {
    const { orders } = this.deps;
    const owner = `pos:${cashier}`;
    const tillId = input.tillId?.toLowerCase();
    let order = await orders.findByRequest(owner, input.requestId);
    let created = false;
    if (!order) {
      // Everything is checked before the order is written: a refused charge leaves nothing behind.
      const items = posItems(input);
      if (!tillId && this.deps.requireTill) throw new DomainError('TILL_REQUIRED', 'choose the till this charge is made at (tillId)');
      let till;
      if (tillId) {
        if (!this.deps.tills) throw new DomainError('TILL_NOT_FOUND', `no till ${tillId}`);
        till = await this.deps.tills.forCharge(tillId);
      }
      const now = this.now();
      const inserted = await orders.insert(
        {
          outTradeNo: newOutTradeNo('P', now),
          customerOpenid: owner,
          clientRequestId: input.requestId,
          items,
          description: input.description,
          total: input.amount,
          currency: this.deps.currency,
          expiresAt: new Date(now.getTime() + 10 * 60_000),
          // The pending-orders job takes over if this process dies mid-charge.
          nextSyncAt: new Date(now.getTime() + 2 * 60_000),
          source: 'pos',
          ...(till ? { till: orderTill(till) } : {}),
        },
        now,
      );
      if (inserted === 'duplicate') {
        order = await orders.findByRequest(owner, input.requestId);
        if (!order) throw new Error('order insert reported a duplicate that cannot be found');
      } else {
        order = inserted;
        created = true;
      }
    }
    if (order.total !== input.amount || order.till?.id !== tillId)
      throw new DomainError('IDEMPOTENCY_MISMATCH', 'this requestId was used for a different charge');
    if (!created) {
      // A repeat: answer the final state, or pick up where the first attempt stopped (query first).
      if (order.status !== 'PENDING') return { result: this.view(order), created };
      return { result: await this.resume(order, input), created };
    }
    return { result: await this.run(order, input), created };
  }

  private async run(order: Order, input: PosChargeInput): Promise<PosChargeResponse> {
    let res: MicropayResult;
    try {
      res = await this.deps.gateway.micropay(micropayInput(order, input.authCode));
    } catch (err) {
      if (isWechatPayError(err, ERROR_CODE_ALIASES.userPaying)) return this.pollThenReverse(order);
      if (isWechatPayError(err) && (err.outcomeUnknown || err.kind === 'signature' || err.kind === 'invalid_response')) {
        this.deps.logger.warn({ outTradeNo: order.outTradeNo, code: err.code }, 'Quick Pay outcome unknown: querying before anything else');
        return this.resume(order, input);
      }
      // A refusal (bad auth code, insufficient balance...): the order failed.
      const message = isWechatPayError(err) ? `${err.code}: ${err.message}` : 'charge failed';
      await this.deps.orders.transition(order.id, ['PENDING'], { status: 'FAILED', wxTradeState: 'PAYERROR' });
      if (!isWechatPayError(err) || err.kind === 'config') throw err;
      return { ...this.view(await this.reload(order)), state: 'PAYERROR', message };
    }
    return this.fromResult(order, res);
  }

  private fromResult(order: Order, res: MicropayResult): Promise<PosChargeResponse> {
    if (res.outcome === 'USERPAYING') return this.pollThenReverse(order);
    return this.settle(order, res.transaction);
  }

  /** After a lost answer or on a repeat: query; unknown at WeChat -> charge again with the same out_trade_no. */
  private async resume(order: Order, input: PosChargeInput, resent = 0): Promise<PosChargeResponse> {
    let tx: Transaction | undefined;
    try {
      tx = await this.deps.gateway.queryByOutTradeNo(order.outTradeNo);
    } catch (err) {
      if (isOrderNotExist(err)) tx = undefined;
      else
        return {
          ...this.view(order),
          state: 'USERPAYING',
          message: 'the charge outcome is not known yet; ask again with the same requestId',
        };
    }
    if (!tx) {
      if (resent >= (this.deps.maxResend ?? 1))
        return {
          ...this.view(order),
          state: 'USERPAYING',
          message: 'WeChat has no record of the charge yet; ask again with the same requestId',
        };
      return this.runResend(order, input, resent + 1);
    }
    return this.settle(order, tx);
  }

  private async runResend(order: Order, input: PosChargeInput, resent: number): Promise<PosChargeResponse> {
    try {
      const res = await this.deps.gateway.micropay(micropayInput(order, input.authCode));
      return await this.fromResult(order, res);
    } catch (err) {
      if (isWechatPayError(err, ERROR_CODE_ALIASES.userPaying)) return this.pollThenReverse(order);
      if (isWechatPayError(err) && err.outcomeUnknown) return this.resume(order, input, resent);
      throw err;
    }
  }

  private async settle(order: Order, tx: Transaction): Promise<PosChargeResponse> {
    if (tx.trade_state === 'USERPAYING' || tx.trade_state === 'NOTPAY') return this.pollThenReverse(order);
    await applyTransaction(this.deps.orders, order, tx, this.deps.gateway.identity, this.now());
    return this.answer(await this.reload(order), tx);
  }

  private async pollThenReverse(order: Order): Promise<PosChargeResponse> {
    for (const wait of this.deps.pollMs ?? DEFAULT_POS_POLL_MS) {
      await this.sleep(wait);
      let tx: Transaction | undefined;
      try {
        tx = await this.deps.gateway.queryByOutTradeNo(order.outTradeNo);
      } catch (err) {
        this.deps.logger.warn(
          { outTradeNo: order.outTradeNo, code: isWechatPayError(err) ? err.code : 'error' },
          'Quick Pay query failed; polling on',
        );
        continue;
      }
      if (tx && tx.trade_state !== 'USERPAYING' && tx.trade_state !== 'NOTPAY') {
        await applyTransaction(this.deps.orders, order, tx, this.deps.gateway.identity, this.now());
        return this.answer(await this.reload(order), tx);
      }
    }
    // Still paying after ~30 s: reverse, so the customer cannot complete it later unnoticed.
    try {
      await this.deps.gateway.reverse(order.outTradeNo);
    } catch (err) {
      this.deps.logger.error(
        { outTradeNo: order.outTradeNo, code: isWechatPayError(err) ? err.code : 'error' },
        'Quick Pay reverse failed',
      );
      return {
        ...this.view(order),
        state: 'USERPAYING',
        message: 'the customer did not confirm and the reverse failed; the order is being checked',
      };
    }
    const after = await this.deps.gateway.queryByOutTradeNo(order.outTradeNo).catch(() => undefined);
    if (after && after.trade_state !== 'USERPAYING' && after.trade_state !== 'NOTPAY') {
      // The customer may have confirmed at the last moment: whatever WeChat says wins.
      await applyTransaction(this.deps.orders, order, after, this.deps.gateway.identity, this.now());
      return this.answer(await this.reload(order), after);
    }
    await this.deps.orders.transition(order.id, ['PENDING'], { status: 'CLOSED', wxTradeState: 'REVOKED', closedAt: this.now() });
    return {
      ...this.view(await this.reload(order)),
      state: 'REVOKED',
      message: 'the customer did not confirm in time; the charge was reversed',
    };
  }

  private async reload(order: Order): Promise<Order> {
    return (await this.deps.orders.findById(order.id)) ?? order;
  }

  private answer(order: Order, tx: Transaction): PosChargeResponse {
    const v = this.view(order);
    if (tx.trade_state_desc && v.state !== 'SUCCESS') v.message = tx.trade_state_desc;
    return v;
  }

  view(order: Order): PosChargeResponse {
    const state: PosChargeResponse['state'] =
      order.status === 'PAID'
        ? 'SUCCESS'
        : order.status === 'FAILED'
          ? 'PAYERROR'
          : order.status === 'CLOSED'
            ? order.wxTradeState === 'REVOKED'
              ? 'REVOKED'
              : 'CLOSED'
            : 'USERPAYING';
    const v: PosChargeResponse = { outTradeNo: order.outTradeNo, state, amount: order.total, currency: order.currency };
    if (order.transactionId) v.transactionId = order.transactionId;
    if (order.till) v.till = toOrderTillView(order.till);
    return v;
  }
}

/** The order lines of a charge: the listed items (which must add up to the amount), else one line. */
function posItems(input: PosChargeInput): OrderItem[] {
  if (!input.items?.length)
    return [
      {
        sku: POS_LINE_SKU,
        name: { 'zh-HK': input.description, en: input.description },
        unitPrice: input.amount,
        quantity: 1,
        amount: input.amount,
      },
    ];
  const fields: Record<string, string> = {};
  if (input.items.length > MAX_POS_ITEMS) fields.items = `must be at most ${MAX_POS_ITEMS} lines`;
  let sum = 0;
  const lines = input.items.map((item, i): OrderItem => {
    const name = item.name.trim();
    const problem = textProblem(name, 'goodsName');
    if (problem) fields[`items.${i}.name`] ??= problem;
    if (!Number.isSafeInteger(item.quantity) || item.quantity < 1) fields[`items.${i}.quantity`] = 'must be a whole number of at least 1';
    if (!Number.isSafeInteger(item.unitPrice) || item.unitPrice < 0)
      fields[`items.${i}.unitPrice`] = 'must be whole minor units, 0 or more';
    const amount = item.quantity * item.unitPrice;
    sum += amount;
    return {
      sku: `${POS_LINE_SKU}-${i + 1}`,
      name: { 'zh-HK': name, en: name },
      unitPrice: item.unitPrice,
      quantity: item.quantity,
      amount,
    };
  });
  if (!Object.keys(fields).length && (!Number.isSafeInteger(sum) || sum !== input.amount))
    fields.items = `must add up to the amount (${sum} listed, ${input.amount} charged)`;
  const first = Object.entries(fields)[0];
  if (first) throw new DomainError('VALIDATION_FAILED', `body: ${first[0]}: ${first[1]}`, { fields });
  return lines;
}

/**
 * What WeChat Pay is sent for `order`: built from the order alone (its lines, its till, its owner), so a charge
 * resent after a lost answer carries the same fields as the first.
 */
export function micropayInput(order: Order, authCode: string): MicropayInput {
  const goods = order.items
    .filter((i) => i.sku !== POS_LINE_SKU)
    .map((i) => ({ goodsId: i.sku, goodsName: i.name.en, quantity: i.quantity, price: i.unitPrice }));
  const input: MicropayInput = {
    outTradeNo: order.outTradeNo,
    description: order.description,
    total: order.total,
    currency: order.currency,
    authCode,
    receiptId: order.outTradeNo,
    ...(goods.length ? { goods } : {}),
  };
  const till = order.till;
  if (till) {
    const operator = order.customerOpenid.startsWith('pos:') ? order.customerOpenid.slice(4) : '';
    input.attach = `till:${till.id}`;
    input.scene = {
      storeId: till.storeId,
      storeName: till.storeName,
      deviceId: till.deviceId,
      ...(till.storeAddress ? { storeAddress: till.storeAddress } : {}),
      ...(till.deviceIp ? { deviceIp: till.deviceIp } : {}),
      ...(operator && textLength(operator, 'utf8-bytes') <= OPERATOR_ID_MAX_BYTES ? { operatorId: operator } : {}),
    };
  }
  return input;
}
