// The order document. Every state change is one conditional single-document update (see domain/order-*.ts);
// idempotency comes from the unique indexes below. Refund counters are moved by the refund service only.
import { Schema, type Connection, type HydratedDocument, type Model, type Types } from 'mongoose';
import type { OrderStatus } from '../../../shared/api';

export const ORDER_STATUSES: readonly OrderStatus[] = ['PENDING', 'PAID', 'CLOSED', 'FAILED'];
export type OrderSource = 'miniprogram' | 'pos';

/** `out_trade_no`: WeChat allows up to 32 characters of [A-Za-z0-9_-]. */
export const OUT_TRADE_NO_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export interface LocalizedText {
  'zh-HK': string;
  en: string;
}

export interface OrderItemDoc {
  sku: string;
  name: LocalizedText;
  unitPrice: number;
  quantity: number;
  amount: number;
}

export interface OrderDoc {
  _id: Types.ObjectId;
  outTradeNo: string;
  customerOpenid: string;
  /**
   * Idempotency key, unique together with customerOpenid. Mini Program orders: the client's clientRequestId.
   * POS orders: customerOpenid `pos:<staff username>` (no real openid has a colon) and the charge's requestId.
   * (Required because FerretDB 1.x has no partial indexes.)
   */
  clientRequestId: string;
  items: OrderItemDoc[];
  description: string;
  total: number;
  currency: string;
  status: OrderStatus;
  /** WeChat's trade_state as last seen (NOTPAY, SUCCESS, CLOSED, USERPAYING, PAYERROR, REVOKED, REFUND). */
  wxTradeState?: string;
  transactionId?: string;
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
  /** When the jobs may next look at this order; a claim moves it forward (see jobs/). */
  nextSyncAt?: Date;
  syncAttempts: number;
  /** The instance that last claimed the order for a sync (diagnostics). */
  claimedBy?: string;
  source: OrderSource;
  refundable: number;
  refundReserved: number;
  refunded: number;
  refundCount: number;
  /** The refunds whose amounts `refundReserved` holds now: taking and releasing a hold is one conditional update. */
  refundHolds: Types.ObjectId[];
}

const localized = new Schema<LocalizedText>({ 'zh-HK': { type: String, required: true }, en: { type: String, required: true } }, { _id: false });

const itemSchema = new Schema<OrderItemDoc>(
  {
    sku: { type: String, required: true },
    name: { type: localized, required: true },
    unitPrice: { type: Number, required: true, min: 0, validate: Number.isInteger },
    quantity: { type: Number, required: true, min: 1, validate: Number.isInteger },
    amount: { type: Number, required: true, min: 0, validate: Number.isInteger },
  },
  { _id: false },
);

const int = { type: Number, required: true, min: 0, validate: Number.isInteger };

export const orderSchema = new Schema<OrderDoc>(
  {
    outTradeNo: { type: String, required: true, match: OUT_TRADE_NO_PATTERN },
    customerOpenid: { type: String, required: true },
    clientRequestId: { type: String, required: true, maxlength: 64 },
    items: { type: [itemSchema], default: [] },
    description: { type: String, required: true, maxlength: 127 },
    total: { ...int, min: 1 },
    currency: { type: String, required: true, match: /^[A-Z]{3}$/ },
    status: { type: String, required: true, enum: ORDER_STATUSES, default: 'PENDING' },
    wxTradeState: { type: String },
    transactionId: { type: String },
    prepayId: { type: String },
    prepayExpiresAt: { type: Date },
    expiresAt: { type: Date, required: true },
    paidAt: { type: Date },
    closedAt: { type: Date },
    flagged: { type: String },
    nextSyncAt: { type: Date },
    syncAttempts: { ...int, default: 0 },
    claimedBy: { type: String },
    source: { type: String, required: true, enum: ['miniprogram', 'pos'], default: 'miniprogram' },
    refundable: { ...int, default: 0 },
    refundReserved: { ...int, default: 0 },
    refunded: { ...int, default: 0 },
    refundCount: { ...int, default: 0 },
    refundHolds: { type: [Schema.Types.ObjectId], default: [] },
  },
  { collection: 'orders', timestamps: true, strict: 'throw', versionKey: false },
);

orderSchema.index({ outTradeNo: 1 }, { unique: true });
// The lists sort by {createdAt: -1, _id: -1}: with _id in the index, MongoDB reads a page in index order
// instead of sorting every matching order (the customer's, the status's, or all of them) in memory.
orderSchema.index({ customerOpenid: 1, createdAt: -1, _id: -1 });
orderSchema.index({ customerOpenid: 1, clientRequestId: 1 }, { unique: true });
orderSchema.index({ status: 1, nextSyncAt: 1 });
orderSchema.index({ status: 1, createdAt: -1, _id: -1 });
orderSchema.index({ createdAt: -1, _id: -1 });
// The daily reconciliation reads the orders paid that day.
orderSchema.index({ paidAt: 1 });

export type OrderModel = Model<OrderDoc>;
export type OrderDocument = HydratedDocument<OrderDoc>;

/** The Order model bound to `conn` (one per connection, created once). */
export function orderModel(conn: Connection): OrderModel {
  return (conn.models.Order as OrderModel | undefined) ?? conn.model<OrderDoc>('Order', orderSchema);
}
