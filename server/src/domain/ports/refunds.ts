// Refunds as the domain sees them. A refund changes by ONE conditional update: `update(id, guard, change)`
// applies `change` only while the refund matches `guard`, atomically, and says whether it did.
import type { RefundStatus } from '../../../../shared/api';
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
  status: RefundStatus;
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
>;

/** Conditions a refund must meet for an update to apply. */
export interface RefundGuard {
  status?: RefundStatus | readonly RefundStatus[];
  reserved?: boolean;
  settled?: boolean;
  /** Only while `flagged` is not set. */
  unflagged?: true;
}

type Settable = Omit<
  RefundRecord,
  'id' | 'orderId' | 'outTradeNo' | 'outRefundNo' | 'requestId' | 'amount' | 'currency' | 'orderTotal' | 'createdAt' | 'updatedAt'
>;

export interface RefundChange {
  set?: Partial<Settable>;
  unset?: ReadonlyArray<'nextSyncAt' | 'lastError'>;
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
  /** How many refunds are PENDING and ABNORMAL among those created before `before` (monitoring; indexed count). */
  countStuck(before: Date): Promise<Record<'PENDING' | 'ABNORMAL', number>>;
}
