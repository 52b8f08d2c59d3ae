// Retry rules as pure functions. A call is retried only when repeating it cannot double its effect: GETs, and
// POSTs made idempotent by out_trade_no / out_refund_no. A Quick Pay charge is never retried blindly.

export interface RetryPolicy {
  maxRetries: number; // retries after the first attempt
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, baseDelayMs: 200, maxDelayMs: 3000 };

export type AttemptOutcome = { type: 'response'; status: number; retryAfterMs?: number } | { type: 'timeout' } | { type: 'network' };

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** Whether attempt number `attempt` (1-based) may be followed by another one. */
export function shouldRetry(outcome: AttemptOutcome, idempotent: boolean, attempt: number, policy: RetryPolicy): boolean {
  if (!idempotent || attempt > policy.maxRetries) return false;
  if (outcome.type !== 'response') return true;
  // 202: "accepted, not processed yet: repeat with the same parameters" (only where repeating is safe).
  return RETRYABLE_STATUS.has(outcome.status) || outcome.status === 202;
}

/** Exponential backoff with full jitter; Retry-After (429/503) is honoured up to maxDelayMs. */
export function retryDelayMs(outcome: AttemptOutcome, attempt: number, policy: RetryPolicy, random = Math.random): number {
  if (outcome.type === 'response' && outcome.retryAfterMs !== undefined) {
    return Math.min(Math.max(outcome.retryAfterMs, 0), policy.maxDelayMs);
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date - nowMs;
}
