// Different WeChat Pay pages spell the same thing differently; answers are normalised here, in one place.
import { normalizeRefundStatus, type Refund, type RefundNotification, type Transaction } from './types';

type Json = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `id` (query answers, payment notification) or `transaction_id` (other sources): both fields get the value. */
export function normalizeTransaction(raw: Json): Transaction {
  const id = str(raw.id) ?? str(raw.transaction_id) ?? '';
  return { ...raw, id, transaction_id: id } as Transaction;
}

/** `id` (query) or `refund_id` (notification); REFUNDCLOSE and CLOSED both normalise to CLOSED. */
export function normalizeRefund(raw: Json): Refund {
  const id = str(raw.id) ?? str(raw.refund_id) ?? '';
  const status = str(raw.status) ?? str(raw.refund_status);
  const out: Json = { ...raw, id, refund_id: id };
  const normalized = normalizeRefundStatus(status);
  if (status !== undefined) out.status = status;
  if (normalized) out.normalized_status = normalized;
  return out as Refund;
}

export function normalizeRefundNotification(raw: Json): RefundNotification {
  const r = normalizeRefund(raw);
  const status = (str(raw.refund_status) ?? str(raw.status)) as RefundNotification['refund_status'];
  return { ...r, refund_status: status, normalized_status: normalizeRefundStatus(status)! } as unknown as RefundNotification;
}
