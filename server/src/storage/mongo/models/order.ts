// The order document. Every state change is one conditional single-document update (see domain/order-*.ts);
// idempotency comes from the unique indexes below. Refund counters are moved by the refund service only.
import { Schema, type Connection, type HydratedDocument, type Model, type Types } from 'mongoose';
import type { OrderStatus } from '../../../../../shared/api';
import {
  OUT_TRADE_NO_PATTERN,
  type LocalizedText,
  type Order,
  type OrderItem,
  type OrderPromotion,
  type OrderTill,
} from '../../../domain/ports/orders';
import { textValidator } from './text';

export const ORDER_STATUSES: readonly OrderStatus[] = ['PENDING', 'PAID', 'CLOSED', 'FAILED'];

/** The stored order: the domain's Order with ObjectIds where the domain has strings. */
export interface OrderDoc extends Omit<Order, 'id' | 'refundHolds'> {
  _id: Types.ObjectId;
  refundHolds: Types.ObjectId[];
}

const localized = new Schema<LocalizedText>(
  { 'zh-HK': { type: String, required: true }, en: { type: String, required: true } },
  { _id: false },
);

const itemSchema = new Schema<OrderItem>(
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
const optionalInt = { type: Number, min: 0, validate: Number.isInteger };

const promotionSchema = new Schema<OrderPromotion>(
  {
    promotionId: { type: String },
    name: { type: String },
    scope: { type: String },
    type: { type: String },
    activityId: { type: String },
    amount: int,
    currency: { type: String },
    wechatpayContribute: optionalInt,
    merchantContribute: optionalInt,
    otherContribute: optionalInt,
  },
  { _id: false },
);

const tillSchema = new Schema<OrderTill>(
  {
    id: { type: String, required: true },
    storeId: { type: String, required: true, validate: textValidator('storeId') },
    storeName: { type: String, required: true, validate: textValidator('storeName') },
    storeAddress: { type: String, validate: textValidator('storeAddress') },
    deviceId: { type: String, required: true, validate: textValidator('deviceId') },
    deviceIp: { type: String, maxlength: 45 },
    label: { type: String, required: true, validate: textValidator('tillLabel') },
  },
  { _id: false },
);

export const orderSchema = new Schema<OrderDoc>(
  {
    outTradeNo: { type: String, required: true, match: OUT_TRADE_NO_PATTERN },
    customerOpenid: { type: String, required: true },
    clientRequestId: { type: String, required: true, maxlength: 64 },
    items: { type: [itemSchema], default: [] },
    description: { type: String, required: true, validate: textValidator('orderDescription') },
    total: { ...int, min: 1 },
    currency: { type: String, required: true, match: /^[A-Z]{3}$/ },
    status: { type: String, required: true, enum: ORDER_STATUSES, default: 'PENDING' },
    wxTradeState: { type: String },
    transactionId: { type: String },
    paymentEventId: { type: String },
    paymentEventAt: { type: Date },
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
    till: { type: tillSchema, default: undefined },
    refundable: { ...int, default: 0 },
    refundReserved: { ...int, default: 0 },
    refunded: { ...int, default: 0 },
    refundCount: { ...int, default: 0 },
    refundHolds: { type: [Schema.Types.ObjectId], default: [] },
    // What the payer was charged (WeChat's payer_total / payer_currency / exchange_rate) and its promotions.
    payerTotal: optionalInt,
    payerCurrency: { type: String },
    exchangeRate: optionalInt,
    exchangeRateType: { type: String },
    promotions: { type: [promotionSchema], default: undefined },
  },
  { collection: 'orders', timestamps: true, strict: 'throw', versionKey: false },
);

orderSchema.index({ outTradeNo: 1 }, { unique: true });
// One WeChat transaction pays one order. Sparse: unpaid orders have no transactionId and never collide (FerretDB's
// unique indexes skip missing fields anyway; `sparse` makes MongoDB do the same). Orders never hold a null one.
orderSchema.index({ transactionId: 1 }, { unique: true, sparse: true });
// One notification event pays one order: the event that paid it is recorded by the paying update itself.
orderSchema.index({ paymentEventId: 1 }, { unique: true, sparse: true });
// The lists sort by {createdAt: -1, _id: -1}: with _id in the index, MongoDB reads a page in index order
// instead of sorting every matching order (the customer's, the status's, or all of them) in memory.
orderSchema.index({ customerOpenid: 1, createdAt: -1, _id: -1 });
orderSchema.index({ customerOpenid: 1, clientRequestId: 1 }, { unique: true });
orderSchema.index({ status: 1, nextSyncAt: 1 });
orderSchema.index({ status: 1, createdAt: -1, _id: -1 });
orderSchema.index({ createdAt: -1, _id: -1 });
// The daily reconciliation reads the orders paid that day.
orderSchema.index({ paidAt: 1 });
// Staff list one store's orders (charged at its tills). Sparse: the Mini Program's orders have no till and cost
// this index nothing; a store's orders are then sorted by date in memory (a store's list, not all orders).
orderSchema.index({ 'till.storeId': 1 }, { sparse: true });

export type OrderModel = Model<OrderDoc>;
export type OrderDocument = HydratedDocument<OrderDoc>;

/** The Order model bound to `conn` (one per connection, created once). */
export function orderModel(conn: Connection): OrderModel {
  return (conn.models.Order as OrderModel | undefined) ?? conn.model<OrderDoc>('Order', orderSchema);
}
