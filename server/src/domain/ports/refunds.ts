// Refunds as the domain sees them. A refund changes by ONE conditional update: `update(id, guard, change)`
// applies `change` only while the refund matches `guard`, atomically, and says whether it did.
import type { RefundAwaitingStaff, RefundSource, RefundStatus } from '../../../../shared/api';
import type { ClaimRequest } from './orders';

export interface RefundRecord {
  id: string;
  orderId: string;
  outTradeNo: string;
  outRefundNo: string;
  requestId: string;
  amount: number;
  currency: string;
  /** The order total WeChat expects in `amount.total`. */
  orderTotal: number;
  reason?: string;
  /** The funds the refund request asks WeChat to refund from (sent as `source`). */
  source: RefundSource;
  status: RefundStatus;
  /**
   * Set while a PENDING refund waits for staff instead of the job (no nextSyncAt; the order still holds it):
   * 'NOT_ENOUGH' after `notEnoughRetries` NOT_ENOUGH answers in a row. Only a NOT_ENOUGH answer sets it.
   */
  awaitingStaff?: RefundAwaitingStaff;
  /** NOT_ENOUGH answers in a row (any other answer starts it again at 0). */
  notEnoughStreak: number;
  /** Made outside this system (in the merchant platform) and found at WeChat: never sent by us, only tracked. */
  external?: true;
  /** True once the order holds this refund (its id in `refundHolds`, its amount in refundReserved). */
  reserved: boolean;
  /** True once a final status moved the order's counters (SUCCESS -> refunded, CLOSED/FAILED -> refundable). */
  settled: boolean;
  refundId?: string;
  lastError?: { code: string; message: string };
  flagged?: string;
  /** Calls made to WeChat (create or query). */
  attempts: number;
  nextSyncAt?: Date;
  claimedBy?: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  acceptedAt?: Date;
  succeededAt?: Date;
  closedAt?: Date;
}

export type NewRefund = Pick<
  RefundRecord,
  'orderId' | 'outTradeNo' | 'outRefundNo' | 'requestId' | 'amount' | 'currency' | 'orderTotal' | 'reason' | 'createdBy' | 'nextSyncAt'
> &
  Partial<Pick<RefundRecord, 'source' | 'external' | 'refundId' | 'acceptedAt'>>;

/** Who made an external refund (`createdBy`): the merchant, in WeChat Pay's merchant platform. */
export const EXTERNAL_REFUND_CREATOR = 'wechat-merchant-platform';

/** Conditions a refund must meet for an update to apply. */
export interface RefundGuard {
  status?: RefundStatus | readonly RefundStatus[];
  reserved?: boolean;
  settled?: boolean;
  /** Only while `flagged` is not set. */
  unflagged?: true;
  /** Only while awaiting staff for this reason; `false`: only while not awaiting staff. */
  awaitingStaff?: RefundAwaitingStaff | false;
}

type Settable = Omit<
  RefundRecord,
  'id' | 'orderId' | 'outTradeNo' | 'outRefundNo' | 'requestId' | 'amount' | 'currency' | 'orderTotal' | 'createdAt' | 'updatedAt'
>;

export interface RefundChange {
  set?: Partial<Settable>;
  unset?: ReadonlyArray<'nextSyncAt' | 'lastError' | 'awaitingStaff' | 'flagged'>;
  /** Counts one more call to WeChat. */
  countAttempt?: true;
}

export interface RefundRepository {
  /** Inserts a PENDING, unreserved refund; 'duplicate' when its requestId (or outRefundNo) exists. */
  insert(refund: NewRefund, now: Date): Promise<RefundRecord | 'duplicate'>;
  findById(id: string): Promise<RefundRecord | undefined>;
  findByRequestId(requestId: string): Promise<RefundRecord | undefined>;
  findByOutRefundNo(outRefundNo: string): Promise<RefundRecord | undefined>;
  /** By WeChat Pay's refund id. */
  findByRefundId(refundId: string): Promise<RefundRecord | undefined>;
  findByOutRefundNos(outRefundNos: string[]): Promise<RefundRecord[]>;
  /** The refunds of each order (keyed by order id), oldest first. */
  forOrders(orderIds: string[]): Promise<Map<string, RefundRecord[]>>;
  /** Refunds WeChat accepted in [start, end) that are not FAILED or PENDING. */
  acceptedBetween(start: Date, end: Date): Promise<RefundRecord[]>;
  /** Applies `change` while the refund matches `guard`; true when it did. */
  update(id: string, guard: RefundGuard, change: RefundChange): Promise<boolean>;
  /** The same, returning the refund after the change (undefined when the guard did not match). */
  updateAndGet(id: string, guard: RefundGuard, change: RefundChange): Promise<RefundRecord | undefined>;
  /** Removes a refund that never held anything (PENDING, unreserved): its request was refused. */
  deleteUnreserved(id: string): Promise<void>;
  /** Claims up to `limit` unsettled refunds whose nextSyncAt is due, moving nextSyncAt forward. */
  claimDue(c: ClaimRequest): Promise<RefundRecord[]>;
  /**
   * How many refunds are PENDING (not waiting for staff: those have their own count) and ABNORMAL among those
   * created before `before` (monitoring; indexed count).
   */
  countStuck(before: Date): Promise<Record<'PENDING' | 'ABNORMAL', number>>;
  /** How many refunds wait for staff (monitoring; indexed count). */
  countAwaitingStaff(): Promise<number>;
}
