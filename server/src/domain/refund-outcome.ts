// What a failed refund call means for the refund: try again later with the same out_refund_no, or a final
// refusal that releases the reservation. Pure, so every case is unit-tested.
import { ERROR_CODE_ALIASES, isWechatPayError } from './ports/payment-gateway';

export type RefundCallOutcome = { retry: true; code: string; message: string } | { retry: false; code: string; message: string };

/** Business codes that mean "not now" (the refund is not refused; WeChat says to retry with the same number). */
const RETRY_CODES = new Set<string>([
  'NOT_ENOUGH',
  'BIZERR_NEED_RETRY',
  'SYSTEM_ERROR',
  'SYSTEMERROR',
  'SERVICE_UNAVAILABLE',
  ...ERROR_CODE_ALIASES.rateLimited,
  'FREQUENCY_LIMIT_EXCEED',
]);

export function classifyRefundError(err: unknown): RefundCallOutcome {
  if (!isWechatPayError(err)) {
    return { retry: true, code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
  }
  const base = { code: err.code, message: err.message };
  // Timeouts, dropped connections, 5xx, forged or unreadable answers, our own configuration: the outcome is
  // unknown or not WeChat's refusal; repeating with the same out_refund_no is safe (WeChat de-duplicates).
  if (err.kind !== 'api' && err.kind !== 'invalid_input') return { retry: true, ...base };
  if (err.kind === 'invalid_input') return { retry: false, ...base };
  if (err.outcomeUnknown || err.status === 429 || RETRY_CODES.has(err.code)) return { retry: true, ...base };
  // 401 SIGN_ERROR is our signing, not a refusal of the refund.
  if (err.status === 401) return { retry: true, ...base };
  return { retry: false, ...base };
}

/** Delay before the n-th retry (n from 1), capped. */
export function retryDelayMs(attempt: number, delays: readonly number[]): number {
  return delays[Math.min(Math.max(attempt, 1), delays.length) - 1]!;
}

export const DEFAULT_RETRY_DELAYS_MS = [10_000, 30_000, 60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];
