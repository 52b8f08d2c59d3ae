// The HTTP contract between the backend, the Mini Program and the staff console.
// Types only (plus string-literal unions): the Mini Program imports this file with `import type`.
// Every error answer is `ErrorBody` from ./errors.

import type { CurrencyCode } from './money';

/** Our order states (WeChat's trade_state is mapped onto these in one function on the server). */
export type OrderStatus =
  | 'PENDING' // created, not paid yet (WeChat NOTPAY / USERPAYING)
  | 'PAID' // paid; refunds may exist (see refundedAmount)
  | 'CLOSED' // closed unpaid (expired, cancelled by staff, or reversed)
  | 'FAILED'; // payment failed (PAYERROR)

export type RefundStatus =
  | 'PENDING' // reserved locally, not yet accepted by WeChat (retried)
  | 'PROCESSING' // accepted by WeChat
  | 'SUCCESS'
  | 'CLOSED' // refund closed; its amount is refundable again
  | 'ABNORMAL' // needs a person (flagged)
  | 'FAILED'; // refused by WeChat with a final error; reservation released

/** Which of the merchant's funds at WeChat Pay a refund draws from (the refund request's `source`). */
export type RefundSource = 'REFUND_SOURCE_UNSETTLED_FUNDS' | 'REFUND_SOURCE_RECHARGE_FUNDS';

/** Why a refund waits for staff instead of being retried (it still holds its amount on the order). */
export type RefundAwaitingStaff = 'NOT_ENOUGH';

export type StaffRole = 'admin' | 'cashier' | 'viewer';

// ---------- customer ----------

/** POST /api/auth/login */
export interface LoginRequest {
  code: string; // from wx.login
}
export interface LoginResponse {
  token: string;
  expiresIn: number; // seconds
}

/** GET /api/config (no auth) */
export interface ClientConfig {
  currency: CurrencyCode;
  sandbox: boolean; // true: the Mini Program shows the sandbox cashier instead of wx.requestPayment
  merchantName: string;
  maxQuantityPerItem: number;
  maxItemsPerOrder: number;
}

export interface Product {
  sku: string;
  name: { 'zh-HK': string; en: string };
  description?: { 'zh-HK': string; en: string };
  price: number; // minor units of `currency`
  currency: CurrencyCode;
  imageUrl?: string; // an https URL, or a path on the backend ("/images/products/milk-tea.png")
  active: boolean;
}
/** GET /api/products */
export interface ProductList {
  items: Product[];
}

export interface OrderItemInput {
  sku: string;
  quantity: number; // integer 1..maxQuantityPerItem
}
/** POST /api/orders */
export interface CreateOrderRequest {
  items: OrderItemInput[];
  clientRequestId: string; // idempotency key chosen by the Mini Program, 8..64 chars [A-Za-z0-9_-]
}

export interface OrderItem {
  sku: string;
  name: { 'zh-HK': string; en: string };
  unitPrice: number;
  quantity: number;
  amount: number;
}

/** Exactly what wx.requestPayment takes (appId is only inside the signature). */
export interface PaymentParams {
  timeStamp: string;
  nonceStr: string;
  package: string; // "prepay_id=..."
  signType: 'RSA';
  paySign: string;
}

export interface RefundView {
  id: string;
  outRefundNo: string;
  amount: number;
  currency: CurrencyCode;
  status: RefundStatus;
  reason?: string;
  createdAt: string; // ISO 8601
  succeededAt?: string;
}

export interface OrderView {
  id: string;
  outTradeNo: string;
  status: OrderStatus;
  items: OrderItem[];
  total: number;
  currency: CurrencyCode;
  refundedAmount: number; // sum of SUCCESS refunds
  refundableAmount: number; // total - succeeded - in-flight reservations (0 unless PAID)
  createdAt: string;
  paidAt?: string;
  expiresAt: string; // after this an unpaid order is closed
  refunds: RefundView[];
  /** Once paid, when WeChat Pay says: what the payer was charged in the wallet's currency (minor units of it). */
  payerTotal?: number;
  payerCurrency?: string;
  /** Units of payerCurrency per unit of currency (WeChat's exchange_rate.rate / 10^8), e.g. 0.9106. */
  exchangeRate?: number;
  /** The discounts WeChat Pay applied (promotion_detail). */
  promotions?: PromotionView[];
}

/** One promotion on a paid order, in the order's currency (minor units). */
export interface PromotionView {
  id?: string;
  name?: string;
  type?: string; // COUPON | DISCOUNT
  scope?: string; // GLOBAL | SINGLE
  /** The discount: what the customer did not pay. */
  amount: number;
  /** Who funded it: WeChat Pay, the merchant, others. */
  wechatpayShare?: number;
  merchantShare?: number;
  otherShare?: number;
}

/** POST /api/orders -> 201 (200 when the same clientRequestId repeats) */
export interface CreateOrderResponse {
  order: OrderView;
  payment: PaymentParams;
}
/** POST /api/orders/:id/pay -> fresh paySign (prepay reused while valid) */
export interface PayOrderResponse {
  order: OrderView;
  payment: PaymentParams;
}
/** GET /api/orders?page=&pageSize= */
export interface OrderList {
  items: OrderView[];
  page: number;
  pageSize: number;
  total: number;
}

/** POST /api/sandbox/cashier (sandbox mode only): the Mini Program's stand-in for WeChat's payment sheet. */
export interface SandboxCashierRequest {
  orderId: string;
  payment: PaymentParams;
  action: 'pay' | 'cancel' | 'fail';
}
export interface SandboxCashierResponse {
  result: 'ok' | 'cancel' | 'fail'; // mirrors requestPayment:ok / fail cancel / fail
  message?: string;
}

/**
 * POST /api/sandbox/login-code (sandbox mode only, no auth): a `wx.login` code for a sandbox test user.
 * wx.login's codes are known only to WeChat's servers, so against the sandbox the Mini Program asks here
 * and then logs in through POST /api/auth/login as usual.
 */
export interface SandboxLoginCodeRequest {
  user: string; // [A-Za-z0-9_-]{1,32}
}
export interface SandboxLoginCodeResponse {
  code: string;
}

// ---------- staff ----------

/** POST /api/admin/login */
export interface StaffLoginRequest {
  username: string;
  password: string;
}
export interface StaffLoginResponse {
  token: string;
  expiresIn: number;
  role: StaffRole;
  username: string;
}

export interface NotificationRecord {
  eventId: string;
  eventType: string;
  receivedAt: string;
  outcome: 'applied' | 'duplicate' | 'rejected' | 'flagged';
  detail?: string;
}

export interface AuditRecord {
  at: string;
  actor: string;
  role: StaffRole;
  action: string;
  target: string;
  detail?: Record<string, unknown>;
}

export interface AdminOrderView extends OrderView {
  customerOpenid: string;
  transactionId?: string; // WeChat order number
  flagged?: string; // why a person must look (amount mismatch, ABNORMAL refund...)
  /** Where a Quick Pay charge was made: the till as it was at the time of the charge. */
  till?: OrderTillView;
  notifications: NotificationRecord[];
  audit: AuditRecord[];
}

/** GET /api/admin/orders?status=&from=&to=&outTradeNo=&page=&pageSize= */
export interface AdminOrderList {
  items: OrderView[];
  page: number;
  pageSize: number;
  total: number;
}

/** POST /api/admin/orders/:id/refunds */
export interface CreateRefundRequest {
  amount: number; // minor units, 1..refundableAmount
  reason?: string; // <= 80 chars
  requestId: string; // idempotency key, 8..64 chars
}
export interface AdminRefundView extends RefundView {
  orderId: string;
  outTradeNo: string;
  refundId?: string; // WeChat refund id
  lastError?: { code: string; message: string };
  flagged?: string;
  /** The funds WeChat Pay is asked to refund from (unsettled funds unless staff chose recharge funds). */
  source: RefundSource;
  /** Set while the refund waits for staff: retry (`POST /api/admin/refunds/:id/retry`) or cancel it. */
  awaitingStaff?: RefundAwaitingStaff;
  /** True for a refund made outside this system (in the merchant platform) and found at WeChat Pay. */
  external?: true;
  /** The staff username that asked for it, or `wechat-merchant-platform` for an external refund. */
  createdBy: string;
}

/** POST /api/admin/refunds/:id/retry: send a refund waiting for staff again, from these funds. */
export interface RetryRefundRequest {
  source: RefundSource;
}

/** POST /api/admin/refunds/:id/cancel: give up a refund WeChat Pay never accepted; its amount is refundable again. */
export interface CancelRefundRequest {
  reason?: string; // <= 80 UTF-8 bytes
}

/** POST /api/admin/orders/:id/refunds/sync: WeChat Pay's all-refunds query for the order, recorded. */
export interface RefundSyncResult {
  /** Refunds WeChat Pay lists for the order. */
  found: number;
  /** Of those, refunds made outside this system recorded now. */
  recorded: number;
  /** Refunds that could not be counted on the order (a person must look: see the order's `flagged`). */
  flagged: number;
  order: AdminOrderView;
}

/** POST /api/admin/pos/charge */
export interface PosChargeRequest {
  authCode: string; // 18 digits, prefix 10..15
  amount: number;
  description: string;
  requestId: string;
  /** The till charging (its store and device go to WeChat Pay as scene_info); optional unless POS_REQUIRE_TILL. */
  tillId?: string;
  /** What was sold, when the cashier lists it (detail.goods_detail); the lines must add up to `amount`. */
  items?: PosItem[];
}
export interface PosItem {
  name: string; // <= 256 bytes of UTF-8
  quantity: number; // integer >= 1
  unitPrice: number; // minor units
}
export interface PosChargeResponse {
  outTradeNo: string;
  state: 'SUCCESS' | 'USERPAYING' | 'REVOKED' | 'PAYERROR' | 'CLOSED';
  amount: number;
  currency: CurrencyCode;
  transactionId?: string;
  message?: string;
  till?: OrderTillView;
}

/**
 * A Quick Pay till: one device at one store. A charge made with it sends WeChat Pay its scene_info
 * (store_info.id/name/address, device_id, device_ip) and the order keeps a copy of it.
 */
export interface TillView {
  id: string;
  storeId: string; // store_info.id, <= 32 bytes of UTF-8
  storeName: string; // <= 256 bytes
  storeAddress?: string; // <= 512 bytes
  deviceId: string; // device_id, <= 32 bytes; unique within its store
  deviceIp?: string; // device_ip, an IPv4 or IPv6 address
  label: string; // our name for it, <= 40 characters
  active: boolean; // disabled tills cannot charge
  createdAt: string;
  updatedAt: string;
}
/** GET /api/admin/tills (any role): every till, active first, by store and label. */
export interface TillList {
  items: TillView[];
}
/** POST /api/admin/tills (admin) -> 201 TillView; 409 DUPLICATE when the store has a till with that device id. */
export interface CreateTillRequest {
  storeId: string;
  storeName: string;
  storeAddress?: string;
  deviceId: string;
  deviceIp?: string;
  label: string;
}
/**
 * PATCH /api/admin/tills/:id (admin) -> TillView: only the fields given change; null clears an optional one.
 * POST /api/admin/tills/:id/disable and POST /api/admin/tills/:id/enable (admin) -> TillView.
 */
export interface UpdateTillRequest {
  storeId?: string;
  storeName?: string;
  storeAddress?: string | null;
  deviceId?: string;
  deviceIp?: string | null;
  label?: string;
}
/** The till an order was charged at, as it was then. */
export interface OrderTillView {
  id: string;
  label: string;
  storeId: string;
  storeName: string;
  deviceId: string;
}

export interface ReconciliationDiff {
  kind: 'missing_locally' | 'missing_at_wechat' | 'amount_differs' | 'state_differs';
  outTradeNo: string;
  outRefundNo?: string;
  wechat?: { state?: string; amount?: number };
  local?: { state?: string; amount?: number };
}
/**
 * GET /api/admin/statements/:date (yyyyMMdd), optionally `?store=<store id>`: then only the statement rows of that
 * store's orders (matched by out_trade_no) and our records of that store are compared and totalled.
 */
export interface StatementReport {
  date: string;
  /** The store the report is limited to. */
  store?: string;
  rows: number;
  sha1: string;
  totals: { payments: number; refunds: number; currency: CurrencyCode };
  differences: ReconciliationDiff[];
}

// ---------- daily reconciliation (the job's records) ----------

export type ReconciliationDayState = 'pending' | 'available' | 'reconciled' | 'differences' | 'failed';
/** A statement's totals in minor units; `fees` is the statement's fee column summed. */
export interface StatementTotals {
  payments: number;
  refunds: number;
  fees: number;
  currency: CurrencyCode;
}
/** The settlement batch that settled a trade day (its trade_start_date..trade_end_date cover the day). */
export interface SettlementRef {
  batchId: string;
  settlementDate?: string;
  tradeStartDate?: string;
  tradeEndDate?: string;
}
export interface ReconciliationDay {
  date: string; // yyyyMMdd, GMT+8
  state: ReconciliationDayState;
  attempts: number;
  nextAttemptAt?: string; // ISO, while not reconciled
  rows?: number;
  sha1?: string;
  totals?: StatementTotals;
  differences?: number;
  lastError?: string;
  reconciledAt?: string;
  settlement?: SettlementRef;
}
/** GET /api/admin/reconciliation/days */
export interface ReconciliationDayList {
  items: ReconciliationDay[];
}
/** GET /api/admin/reconciliation/days/:date */
export interface ReconciliationDayDetail {
  day: ReconciliationDay;
  differences: ReconciliationDiff[];
}

export interface Settlement {
  batchId: string;
  settlementDate?: string;
  tradeStartDate?: string;
  tradeEndDate?: string;
  settled: boolean;
  amount: { settled?: number; unsettle?: number; currency: CurrencyCode; pay?: number; refund?: number; net?: number; fee?: number };
  /** The wallet the batch's payments came from (CHINA_MAINLAND / CHINA_HONGKONG), when WeChat Pay says. */
  walletRegion?: string;
  /** The profit-sharing part of the batch, reported apart from `amount` (the two add up to the day's totals). */
  splitAmount?: { settled?: number; unsettle?: number; currency: CurrencyCode; pay?: number; refund?: number };
}
/** GET /api/admin/settlements?state=SETTLED|UNSETTLE&from=yyyyMMdd&to=yyyyMMdd&page= */
export interface SettlementList {
  items: Settlement[];
  total: number;
}

// ---------- staff reports ----------

/** One day of the dashboard (the day in the caller's time zone, `utcOffset`). Amounts in minor units. */
export interface DashboardDay {
  date: string; // yyyy-mm-dd
  sales: number; // paid that day
  refunds: number; // refunds that succeeded that day
  net: number; // sales - refunds
  payments: number; // orders paid that day
}
/**
 * GET /api/admin/dashboard?days=1|7|30&utcOffset=minutes (any role). `days=1` is today so far; 7 and 30 end today.
 * `utcOffset` is the caller's offset from UTC in minutes (480 for Hong Kong; default 480, WeChat Pay's day).
 */
export interface DashboardReport {
  days: number;
  utcOffset: number;
  from: string; // ISO instant, start of the first day
  to: string; // ISO instant, the end of the period (exclusive)
  currency: CurrencyCode;
  totals: {
    sales: number;
    refunds: number;
    net: number;
    payments: number;
    /** Orders created in the period by their outcome so far. */
    created: { paid: number; failed: number; closed: number; pending: number };
    /** paid / (paid + failed + closed) of the orders created in the period; null when none has an outcome yet. */
    paymentSuccessRate: number | null;
  };
  perDay: DashboardDay[]; // one entry per day, oldest first, days without activity included
}

/**
 * GET /api/admin/export/orders.csv?from=yyyy-mm-dd&to=yyyy-mm-dd&utcOffset= and /api/admin/export/refunds.csv
 * (any role): every order (by creation) or refund (by creation) of the inclusive day range, oldest first, as CSV
 * (UTF-8 with a byte order mark, amounts in major units), streamed from a database cursor. At most 366 days.
 */
export interface ExportQuery {
  from: string;
  to: string;
  utcOffset?: number;
}

/**
 * GET /api/admin/search?q= (any role): the orders whose out_trade_no, WeChat transaction id or refund number
 * (ours, out_refund_no, or WeChat's refund id) is exactly `q`.
 */
export interface AdminSearchResult extends AdminOrderList {
  matchedBy: 'outTradeNo' | 'transactionId' | 'outRefundNo' | 'refundId' | null;
}
