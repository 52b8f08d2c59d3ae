// Orders as the domain sees them, and the storage operations the rules need. Every method that changes an order
// is ONE conditional update on one document (the condition is in its name and comment), so concurrent
// notifications, queries, jobs and refunds converge: whoever comes second finds the condition false.
import type { OrderStatus } from '../../../../shared/api';

export type OrderSource = 'miniprogram' | 'pos';

/** `out_trade_no`: WeChat allows up to 32 characters of [A-Za-z0-9_-]. */
export const OUT_TRADE_NO_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export interface LocalizedText {
  'zh-HK': string;
  en: string;
}

export interface OrderItem {
  sku: string;
  name: LocalizedText;
  unitPrice: number;
  quantity: number;
  amount: number;
}

/** One promotion WeChat Pay applied to the payment (its promotion_detail[]). Amounts in the order's currency. */
export interface OrderPromotion {
  promotionId?: string;
  name?: string;
  /** GLOBAL / SINGLE */
  scope?: string;
  /** COUPON / DISCOUNT */
  type?: string;
  activityId?: string;
  /** The discount: what the customer did not pay. */
  amount: number;
  currency?: string;
  /** Who funded the discount: WeChat Pay, the merchant, others. */
  wechatpayContribute?: number;
  merchantContribute?: number;
  otherContribute?: number;
}

/** What the payer was charged in the wallet's currency, as WeChat reports it once paid. */
export interface PayerAmount {
  payerTotal?: number;
  payerCurrency?: string;
  /** WeChat's exchange_rate.rate: the ratio x 10^8. */
  exchangeRate?: number;
  /** WeChat's exchange_rate.type (SETTLEMENT_RATE / USERPAYMENT_RATE). */
  exchangeRateType?: string;
  promotions?: OrderPromotion[];
}

/**
 * The till a Quick Pay charge was made at, copied onto the order when it is created: a later edit of the till does
 * not move past charges, and a resent charge sends WeChat Pay the same scene_info as the first.
 */
export interface OrderTill {
  id: string;
  storeId: string;
  storeName: string;
  storeAddress?: string;
  deviceId: string;
  deviceIp?: string;
  label: string;
}

export interface Order extends PayerAmount {
  id: string;
  outTradeNo: string;
  customerOpenid: string;
  /**
   * Idempotency key, unique together with customerOpenid. Mini Program orders: the client's clientRequestId.
   * POS orders: customerOpenid `pos:<staff username>` (no real openid has a colon) and the charge's requestId.
   */
  clientRequestId: string;
  items: OrderItem[];
  description: string;
  total: number;
  currency: string;
  status: OrderStatus;
  /** WeChat's trade_state as last seen (NOTPAY, SUCCESS, CLOSED, USERPAYING, PAYERROR, REVOKED, REFUND). */
  wxTradeState?: string;
  transactionId?: string;
  /**
   * The notification event that paid the order, recorded by the same conditional update that paid it (its id
   * is unique among orders: one event pays one order). Events that paid nothing are in the payment event log.
   */
  paymentEventId?: string;
  paymentEventAt?: Date;
  prepayId?: string;
  prepayExpiresAt?: Date;
  createdAt: Date;
  updatedAt: Date;
  /** After this an unpaid order is closed (at WeChat, by the expired-orders job). */
  expiresAt: Date;
  paidAt?: Date;
  closedAt?: Date;
  /** Why a person must look (amount mismatch, ...). Set once, never cleared automatically. */
  flagged?: string;
  /** When the jobs may next look at this order; a claim moves it forward. */
  nextSyncAt?: Date;
  syncAttempts: number;
  /** The instance that last claimed the order for a sync (diagnostics). */
  claimedBy?: string;
  source: OrderSource;
  /** POS orders charged at a till. */
  till?: OrderTill;
  refundable: number;
  refundReserved: number;
  refunded: number;
  refundCount: number;
  /** The refunds whose amounts `refundReserved` holds now: taking and releasing a hold is one conditional update. */
  refundHolds: string[];
}

export type NewOrder = Pick<
  Order,
  | 'outTradeNo'
  | 'customerOpenid'
  | 'clientRequestId'
  | 'items'
  | 'description'
  | 'total'
  | 'currency'
  | 'expiresAt'
  | 'nextSyncAt'
  | 'source'
> &
  Partial<Pick<Order, 'prepayId' | 'prepayExpiresAt' | 'till'>> & {
    /** Chosen before the insert (see `newId`) when the order's id must travel with its prepay. */
    id?: string;
  };

/** What a final transition writes besides the status (and always: nextSyncAt cleared). */
export interface TransitionFields extends PayerAmount {
  status: OrderStatus;
  wxTradeState: string;
  transactionId?: string;
  /** The notification event making this change (to PAID), when one does. */
  paymentEventId?: string;
  paymentEventAt?: Date;
  paidAt?: Date;
  closedAt?: Date;
  refundable?: number;
}

/** What every new order starts with, besides its own fields: pending, nothing synced, nothing refundable yet. */
export const NEW_ORDER_STATE = {
  status: 'PENDING',
  syncAttempts: 0,
  refundable: 0,
  refundReserved: 0,
  refunded: 0,
  refundCount: 0,
} as const satisfies Partial<Order>;

export type TransitionResult = Order | 'unmatched' | 'taken';

/** True when `transition` moved the order (and gave it back). */
export const moved = (r: TransitionResult): r is Order => typeof r === 'object';

export interface AdminOrderFilter {
  status?: OrderStatus;
  outTradeNo?: string;
  transactionId?: string;
  from?: Date;
  to?: Date;
  /** Orders charged at a till of this store (`till.storeId`). */
  storeId?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** Which due orders a job claims: unpaid and unexpired (queried), or unpaid and expired (closed). */
export type OrderClaimKind = 'pending' | 'expired';

export interface ClaimRequest {
  now: Date;
  claimMs: number;
  owner: string;
  limit: number;
}

export interface OrderRepository {
  /** A fresh id for an order not inserted yet. */
  newId(): string;
  /** Inserts the order; 'duplicate' when its outTradeNo or (customerOpenid, clientRequestId) exists already. */
  insert(order: NewOrder, now: Date): Promise<Order | 'duplicate'>;
  findById(id: string): Promise<Order | undefined>;
  /** The order only when it belongs to `openid` (another customer's is simply not found). */
  findForCustomer(id: string, openid: string): Promise<Order | undefined>;
  findByOutTradeNo(outTradeNo: string): Promise<Order | undefined>;
  /** The order a WeChat transaction paid (transactionId is unique among orders). */
  findByTransactionId(transactionId: string): Promise<Order | undefined>;
  findByOutTradeNos(outTradeNos: string[]): Promise<Order[]>;
  findByRequest(customerOpenid: string, clientRequestId: string): Promise<Order | undefined>;
  listForCustomer(openid: string, page: number, pageSize: number): Promise<Page<Order>>;
  listForStaff(filter: AdminOrderFilter, page: number, pageSize: number): Promise<Page<Order>>;
  /** Orders PAID with paidAt in [start, end). */
  paidBetween(start: Date, end: Date): Promise<Order[]>;

  /** PENDING only: stores the prepay id. The order after, or undefined when it is no longer PENDING. */
  setPrepay(id: string, prepayId: string, prepayExpiresAt: Date): Promise<Order | undefined>;
  /** PENDING only: marks the order as looked at (updatedAt = now). */
  touch(id: string, now: Date): Promise<void>;
  /** PENDING only: remembers a non-final trade_state. */
  noteTradeState(id: string, tradeState: string): Promise<void>;
  /** Sets `flagged` unless the order is flagged already. */
  flag(id: string, reason: string): Promise<void>;
  /**
   * status in `from` -> fields.status (and nextSyncAt cleared), in one conditional update. The order after the
   * change when this call made it (the caller needs no read to know what it wrote); 'unmatched' when the status
   * was not in `from`; 'taken' when another order holds `fields.transactionId` or `fields.paymentEventId` (one
   * WeChat transaction, and one notification event, pays one order: both ids are unique among orders) and
   * nothing changed.
   */
  transition(id: string, from: OrderStatus[], fields: TransitionFields): Promise<TransitionResult>;

  /** Claims up to `limit` due orders of `kind` (nextSyncAt <= now, not flagged), moving nextSyncAt forward. */
  claimDue(kind: OrderClaimKind, c: ClaimRequest): Promise<Order[]>;
  /** PENDING and still claimed by `owner`: the next look. */
  reschedule(id: string, owner: string, nextSyncAt: Date): Promise<void>;

  /**
   * PAID, refundable >= amount, fewer than `maxRefunds` refunds, not yet holding `refundId`: moves `amount` from
   * refundable to refundReserved and records the hold. True when this call took it.
   */
  takeRefundHold(orderId: string, refundId: string, amount: number, maxRefunds: number): Promise<boolean>;
  hasRefundHold(orderId: string, refundId: string): Promise<boolean>;
  /**
   * Holding `refundId`: releases its amount to `refunded` (the refund succeeded) or back to `refundable` (it
   * did not; `uncount` also gives back the refund's place in refundCount). True when this call released it.
   */
  releaseRefundHold(orderId: string, refundId: string, amount: number, to: 'refunded' | 'refundable', uncount?: boolean): Promise<boolean>;
}
