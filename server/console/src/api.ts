// Typed client for the staff API. Every failure becomes an ApiError carrying the server's `{code, message}`
// (or NETWORK when the server could not be reached), so views only ever show describeError(...).
import type {
  AdminOrderList,
  AdminOrderView,
  AdminRefundView,
  AdminSearchResult,
  DashboardReport,
  ClientConfig,
  CreateRefundRequest,
  OrderStatus,
  PosChargeRequest,
  PosChargeResponse,
  RefundSource,
  RefundSyncResult,
  ReconciliationDayDetail,
  ReconciliationDayList,
  SettlementList,
  StaffLoginRequest,
  StaffLoginResponse,
  StatementReport,
  CreateTillRequest,
  TillList,
  TillView,
  UpdateTillRequest,
} from '../../../shared/api';
import type { ErrorBody } from '../../../shared/errors';
import { clearSession, currentSession } from './session';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Called when the server says the session is gone (401), so the app can return to the login page. */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

async function request<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const session = currentSession();
  if (session) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : 'network error');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.ok) return json as T;
  const e = (json ?? {}) as Partial<ErrorBody>;
  const code = typeof e.code === 'string' ? e.code : res.status >= 500 ? 'INTERNAL' : 'NOT_FOUND';
  const err = new ApiError(
    res.status,
    code,
    typeof e.message === 'string' ? e.message : res.statusText,
    e.requestId ?? res.headers.get('x-request-id') ?? undefined,
    e.details,
  );
  if (res.status === 401 && path !== '/api/admin/login') {
    clearSession();
    onUnauthenticated();
  }
  throw err;
}

export interface OrderQuery {
  status?: OrderStatus;
  from?: string; // ISO 8601 instant, inclusive
  to?: string; // ISO 8601 instant, exclusive
  outTradeNo?: string;
  /** Orders charged at this store's tills. */
  store?: string;
  page?: number;
  pageSize?: number;
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const id = encodeURIComponent;

export const api = {
  config: (signal?: AbortSignal) => request<ClientConfig>('GET', '/api/config', undefined, signal),
  login: (body: StaffLoginRequest) => request<StaffLoginResponse>('POST', '/api/admin/login', body),
  listOrders: (q: OrderQuery, signal?: AbortSignal) =>
    request<AdminOrderList>('GET', `/api/admin/orders${query({ ...q })}`, undefined, signal),
  getOrder: (orderId: string, signal?: AbortSignal) =>
    request<AdminOrderView>('GET', `/api/admin/orders/${id(orderId)}`, undefined, signal),
  createRefund: (orderId: string, body: CreateRefundRequest) =>
    request<AdminRefundView>('POST', `/api/admin/orders/${id(orderId)}/refunds`, body),
  getRefund: (refundId: string, signal?: AbortSignal) =>
    request<AdminRefundView>('GET', `/api/admin/refunds/${id(refundId)}`, undefined, signal),
  retryRefund: (refundId: string, source: RefundSource) =>
    request<AdminRefundView>('POST', `/api/admin/refunds/${id(refundId)}/retry`, { source }),
  cancelRefund: (refundId: string, reason?: string) =>
    request<AdminRefundView>('POST', `/api/admin/refunds/${id(refundId)}/cancel`, reason ? { reason } : {}),
  syncOrderRefunds: (orderId: string) => request<RefundSyncResult>('POST', `/api/admin/orders/${id(orderId)}/refunds/sync`, {}),
  closeOrder: (orderId: string) => request<AdminOrderView>('POST', `/api/admin/orders/${id(orderId)}/close`, {}),
  posCharge: (body: PosChargeRequest) => request<PosChargeResponse>('POST', '/api/admin/pos/charge', body),
  statement: (date: string, store: string | undefined, signal?: AbortSignal) =>
    request<StatementReport>('GET', `/api/admin/statements/${id(date)}${query({ store })}`, undefined, signal),
  tills: (signal?: AbortSignal) => request<TillList>('GET', '/api/admin/tills', undefined, signal),
  createTill: (body: CreateTillRequest) => request<TillView>('POST', '/api/admin/tills', body),
  updateTill: (tillId: string, body: UpdateTillRequest) => request<TillView>('PATCH', `/api/admin/tills/${id(tillId)}`, body),
  setTillActive: (tillId: string, active: boolean) =>
    request<TillView>('POST', `/api/admin/tills/${id(tillId)}/${active ? 'enable' : 'disable'}`, {}),
  search: (q: string, store: string | undefined, signal?: AbortSignal) =>
    request<AdminSearchResult>('GET', `/api/admin/search${query({ q, store })}`, undefined, signal),
  dashboard: (days: number, utcOffset: number, signal?: AbortSignal) =>
    request<DashboardReport>('GET', `/api/admin/dashboard${query({ days, utcOffset })}`, undefined, signal),
  reconciliationDays: (signal?: AbortSignal) => request<ReconciliationDayList>('GET', '/api/admin/reconciliation/days', undefined, signal),
  reconciliationDay: (date: string, signal?: AbortSignal) =>
    request<ReconciliationDayDetail>('GET', `/api/admin/reconciliation/days/${id(date)}`, undefined, signal),
  settlements: (q: { state: 'SETTLED' | 'UNSETTLE'; from?: string; to?: string; page?: number }, signal?: AbortSignal) =>
    request<SettlementList>('GET', `/api/admin/settlements${query(q)}`, undefined, signal),
};

/**
 * Downloads a CSV export with the session's token (a plain link could not carry it) and hands it to the browser
 * as a file. Returns the file name.
 */
export async function downloadExport(kind: 'orders' | 'refunds', from: string, to: string, utcOffset: number): Promise<string> {
  return downloadCsv(`/api/admin/export/${kind}.csv${query({ from, to, utcOffset })}`, `${kind}.csv`);
}

/** Downloads a reconciled day's differences (yyyyMMdd) as CSV. Returns the file name. */
export function downloadReconciliationCsv(date: string): Promise<string> {
  return downloadCsv(`/api/admin/reconciliation/days/${id(date)}/differences.csv`, `reconciliation-${date}.csv`);
}

async function downloadCsv(path: string, fallbackName: string): Promise<string> {
  const session = currentSession();
  let res: Response;
  try {
    res = await fetch(path, {
      headers: session ? { Authorization: `Bearer ${session.token}` } : {},
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : 'network error');
  }
  if (!res.ok) {
    const e = ((await res.json().catch(() => ({}))) ?? {}) as Partial<ErrorBody>;
    if (res.status === 401) {
      clearSession();
      onUnauthenticated();
    }
    throw new ApiError(
      res.status,
      typeof e.code === 'string' ? e.code : 'INTERNAL',
      typeof e.message === 'string' ? e.message : res.statusText,
      e.requestId,
      e.details,
    );
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

/** A fresh idempotency key (8..64 chars [A-Za-z0-9_-]). */
export function newRequestId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().replace(/-/g, '')}`;
}
