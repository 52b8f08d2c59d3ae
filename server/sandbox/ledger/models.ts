// The sandbox's own collections. Each invariant is one single-document conditional update plus a unique
// index (no transactions, no positional updates: FerretDB 1.x and MongoDB behave the same).
import { Schema, type Connection, type Model } from 'mongoose';

export type TradeState = 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';
export type RefundStatus = 'PROCESSING' | 'SUCCESS' | 'REFUNDCLOSE' | 'ABNORMAL';
export type MicropayScenario = 'success' | 'fail' | 'userpaying-then-success' | 'userpaying-then-fail' | 'userpaying-forever';

export interface OrderDoc {
  _id: string;
  merchantKey: string; // mchid (direct) or sp_mchid/sub_mchid (institution)
  mode: 'direct' | 'institution';
  mchid: string; // direct mchid or sp_mchid
  sub_mchid?: string;
  appid: string; // direct appid or sp_appid
  sub_appid?: string;
  out_trade_no: string;
  transaction_id: string;
  trade_type: 'JSAPI' | 'MICROPAY';
  description: string;
  attach?: string;
  notify_url?: string;
  merchant_category_code: string;
  goods_tag?: string;
  payer: { openid?: string; sp_openid?: string; sub_openid?: string; auth_code?: string };
  amount: { total: number; currency: string };
  scene_info?: Record<string, unknown>;
  /** detail (receipt_id, goods_detail...) as the merchant sent it: WeChat keeps it, and answers with none of it. */
  detail?: Record<string, unknown> | Record<string, unknown>[];
  time_expire?: Date;
  digest: string;
  prepay_id?: string;
  prepay_issued_at?: Date;
  trade_state: TradeState;
  bank_type?: string;
  success_time?: Date;
  payer_total?: number;
  payer_currency?: string;
  exchange_rate?: number;
  promotion_detail?: Record<string, unknown>[];
  created_at: Date;
  backdated_ms: number;
  refundable: number; // what may still be refunded: total minus every refund not closed
  refund_count: number;
  /** When the last refund of this order was accepted (for `refundMinIntervalSeconds`). */
  last_refund_at?: Date;
  micropay?: { scenario: MicropayScenario; queries_needed: number; queries: number };
  version: number;
}

export interface RefundDoc {
  _id: string;
  merchantKey: string;
  mode: 'direct' | 'institution';
  mchid: string;
  sub_mchid?: string;
  out_refund_no: string;
  refund_id: string;
  order_id: string;
  transaction_id: string;
  out_trade_no: string;
  amount: { refund: number; total: number; currency: string; payer_refund: number; payer_currency: string; exchange_rate: number };
  reason?: string;
  notify_url?: string;
  source?: string;
  digest: string;
  status: RefundStatus;
  forced?: 'SUCCESS' | 'REFUNDCLOSE' | 'ABNORMAL';
  created_at: Date;
  settle_at: Date;
  success_time?: Date;
}

export interface NotificationDoc {
  _id: string; // the event id
  event_type: string;
  merchantKey: string;
  out_trade_no?: string;
  out_refund_no?: string;
  url: string;
  body: string; // the envelope, serialised once so every attempt carries the same bytes
  state: 'pending' | 'delivered' | 'exhausted' | 'dropped';
  faults: string[];
  probe_pending: boolean;
  attempts: number;
  first_at: Date;
  next_at: Date;
  /** Until then the instance named by `owner` is sending it (or will send it at `next_at`): nobody else. */
  lease_until: Date;
  owner?: string;
  created_at: Date;
  /** The delivery log: every attempt, probe and duplicate, written with the attempt's outcome. */
  deliveries?: DeliveryRecord[];
}

/** One entry of a notification's delivery log. */
export interface DeliveryRecord {
  kind: 'delivery' | 'duplicate' | 'probe' | 'dropped';
  attempt: number;
  scheduled_at: Date;
  sent_at: Date;
  offset_ms: number; // since the notification's first attempt
  status?: number;
  ok: boolean;
  error?: string;
  duration_ms: number;
  response?: string;
  /** `Wechatpay-Serial` of the attempt: the platform certificate's serial or the `PUB_KEY_ID_...`. */
  serial?: string;
}

/** The delivery log of earlier versions, one document per entry (read for notifications that have no `deliveries`). */
export interface DeliveryDoc {
  _id: string;
  event_id: string;
  out_trade_no?: string;
  out_refund_no?: string;
  kind: 'delivery' | 'duplicate' | 'probe' | 'dropped';
  attempt: number;
  scheduled_at: Date;
  sent_at: Date;
  offset_ms: number; // since the notification's first attempt
  status?: number;
  ok: boolean;
  error?: string;
  duration_ms: number;
  response?: string;
  /** `Wechatpay-Serial` of the attempt: the platform certificate's serial or the `PUB_KEY_ID_...`. */
  serial?: string;
}

export interface LoginCodeDoc {
  _id: string; // the code
  appid: string;
  user: string;
  created_at: Date;
  expires_at: Date;
  used_at?: Date;
}

/** Secondary keys (`tx:<transaction_id>`, `prepay:<prepay_id>`, `refund:<refund_id>`) as `_id` lookups:
 * FerretDB 1.x answers `_id` equality from its index but scans for other fields. */
export interface AliasDoc {
  _id: string;
  ref: string;
}

export interface PlatformCertDoc {
  _id: string; // serial
  certificatePem: string;
  privateKeyPem: string; // the sandbox's own signing key: dev material in the sandbox's own database
  published_at: Date;
  signing_from: Date;
  retire_at?: Date;
  created_at: Date;
}

const opts = { versionKey: false, _id: false } as const;

const orderSchema = new Schema<OrderDoc>(
  {
    _id: String,
    merchantKey: { type: String, required: true },
    mode: String,
    mchid: String,
    sub_mchid: String,
    appid: String,
    sub_appid: String,
    out_trade_no: { type: String, required: true },
    transaction_id: { type: String, required: true, unique: true },
    trade_type: String,
    description: String,
    attach: String,
    notify_url: String,
    merchant_category_code: String,
    goods_tag: String,
    payer: Schema.Types.Mixed,
    amount: Schema.Types.Mixed,
    scene_info: Schema.Types.Mixed,
    detail: Schema.Types.Mixed,
    time_expire: Date,
    digest: String,
    prepay_id: { type: String, index: true },
    prepay_issued_at: Date,
    trade_state: { type: String, required: true },
    bank_type: String,
    success_time: { type: Date, index: true },
    payer_total: Number,
    payer_currency: String,
    exchange_rate: Number,
    promotion_detail: { type: [Schema.Types.Mixed], default: undefined },
    created_at: Date,
    backdated_ms: { type: Number, default: 0 },
    refundable: Number,
    refund_count: { type: Number, default: 0 },
    last_refund_at: Date,
    micropay: Schema.Types.Mixed,
    version: { type: Number, default: 0 },
  },
  opts,
);
// out_trade_no first: it also serves the admin lookup by out_trade_no alone (across merchants).
orderSchema.index({ out_trade_no: 1, merchantKey: 1 }, { unique: true });

const refundSchema = new Schema<RefundDoc>(
  {
    _id: String,
    merchantKey: { type: String, required: true },
    mode: String,
    mchid: String,
    sub_mchid: String,
    out_refund_no: { type: String, required: true },
    refund_id: { type: String, required: true, unique: true },
    order_id: { type: String, index: true },
    transaction_id: String,
    out_trade_no: String,
    amount: Schema.Types.Mixed,
    reason: String,
    notify_url: String,
    source: String,
    digest: String,
    status: String,
    forced: String,
    created_at: { type: Date, index: true },
    settle_at: Date,
    success_time: Date,
  },
  opts,
);
refundSchema.index({ merchantKey: 1, out_refund_no: 1 }, { unique: true });
refundSchema.index({ status: 1, settle_at: 1 });

const notificationSchema = new Schema<NotificationDoc>(
  {
    _id: String,
    event_type: String,
    merchantKey: String,
    out_trade_no: { type: String, index: true },
    out_refund_no: { type: String, index: true },
    url: String,
    body: String,
    state: String,
    faults: [String],
    probe_pending: Boolean,
    attempts: Number,
    first_at: Date,
    next_at: Date,
    lease_until: Date,
    owner: String,
    created_at: Date,
    deliveries: [Schema.Types.Mixed],
  },
  opts,
);
notificationSchema.index({ state: 1, next_at: 1 });

const deliverySchema = new Schema<DeliveryDoc>(
  {
    _id: String,
    event_id: { type: String, index: true },
    out_trade_no: String,
    out_refund_no: String,
    kind: String,
    attempt: Number,
    scheduled_at: Date,
    sent_at: Date,
    offset_ms: Number,
    status: Number,
    ok: Boolean,
    error: String,
    duration_ms: Number,
    response: String,
    serial: String,
  },
  opts,
);

const loginCodeSchema = new Schema<LoginCodeDoc>(
  { _id: String, appid: String, user: String, created_at: Date, expires_at: Date, used_at: Date },
  opts,
);

const platformCertSchema = new Schema<PlatformCertDoc>(
  {
    _id: String,
    certificatePem: String,
    privateKeyPem: String,
    published_at: Date,
    signing_from: Date,
    retire_at: Date,
    created_at: Date,
  },
  opts,
);

const aliasSchema = new Schema<AliasDoc>({ _id: String, ref: String }, opts);

export interface Models {
  Alias: Model<AliasDoc>;
  Order: Model<OrderDoc>;
  Refund: Model<RefundDoc>;
  Notification: Model<NotificationDoc>;
  Delivery: Model<DeliveryDoc>;
  LoginCode: Model<LoginCodeDoc>;
  PlatformCert: Model<PlatformCertDoc>;
}

export async function createModels(conn: Connection): Promise<Models> {
  const m = <T>(name: string, schema: Schema<T>, collection: string) =>
    (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema, collection);
  const models: Models = {
    Alias: m('SandboxAlias', aliasSchema, 'aliases'),
    Order: m('SandboxOrder', orderSchema, 'orders'),
    Refund: m('SandboxRefund', refundSchema, 'refunds'),
    Notification: m('SandboxNotification', notificationSchema, 'notifications'),
    Delivery: m('SandboxDelivery', deliverySchema, 'deliveries'),
    LoginCode: m('SandboxLoginCode', loginCodeSchema, 'login_codes'),
    PlatformCert: m('SandboxPlatformCert', platformCertSchema, 'platform_certificates'),
  };
  await Promise.all(Object.values(models).map((model) => (model as Model<unknown>).init()));
  return models;
}
