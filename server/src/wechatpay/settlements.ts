// Input rules of GET /v3/global/settle/settlements, checked before anything is sent.
import { invalidInput } from './errors';
import { SETTLEMENT_MAX_LIMIT } from './limits';
import type { SettlementQuery } from './types';

/** A real calendar date written yyyyMMdd. */
export function isYyyyMmDd(s: unknown): s is string {
  if (typeof s !== 'string' || !/^\d{8}$/.test(s)) return false;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function validateSettlementQuery(q: SettlementQuery): void {
  if (q.settle_state !== 'SETTLED' && q.settle_state !== 'UNSETTLE') {
    throw invalidInput('settle_state must be SETTLED or UNSETTLE', { field: 'settle_state' });
  }
  // Both optional, as in the official field table; WeChat Pay then pages from 0 (see SETTLEMENT_DEFAULTS).
  if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > SETTLEMENT_MAX_LIMIT)) {
    throw invalidInput(`limit must be an integer from 1 to ${SETTLEMENT_MAX_LIMIT}`, { field: 'limit' });
  }
  if (q.offset !== undefined && (!Number.isInteger(q.offset) || q.offset < 0)) {
    throw invalidInput('offset must be a non-negative integer', { field: 'offset' });
  }
  for (const field of ['settle_start_date', 'settle_end_date'] as const) {
    const v = q[field];
    if (v !== undefined && !isYyyyMmDd(v)) throw invalidInput(`${field} must be a date written yyyyMMdd`, { field });
  }
  if (q.settle_state === 'SETTLED') {
    if (!q.settle_start_date || !q.settle_end_date) {
      throw invalidInput('settle_start_date and settle_end_date are required when settle_state is SETTLED', {
        field: q.settle_start_date ? 'settle_end_date' : 'settle_start_date',
      });
    }
    if (q.settle_end_date < q.settle_start_date) {
      throw invalidInput('settle_end_date must not be before settle_start_date', { field: 'settle_end_date' });
    }
  }
}
