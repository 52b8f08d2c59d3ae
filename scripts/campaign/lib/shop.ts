// Calls on the backend's HTTP contract (shared/api.ts) used by several scenarios.
import type { CreateOrderResponse, OrderView, Product, ProductList } from '../../../shared/api';
import type { HttpClient, RawResponse } from './http';

export class UnexpectedAnswer extends Error {
  override name = 'UnexpectedAnswer';
  constructor(
    readonly what: string,
    readonly response: RawResponse,
  ) {
    super(`${what}: HTTP ${response.status} ${response.text().slice(0, 300)}`);
  }
}

export async function activeProduct(http: HttpClient, maxPrice = Number.MAX_SAFE_INTEGER): Promise<Product> {
  const res = await http.json('GET', '/api/products');
  if (res.status !== 200) throw new UnexpectedAnswer('GET /api/products', res);
  const list = res.json<ProductList>()?.items ?? [];
  const p =
    list.filter((x) => x.active && x.price >= 20 && x.price <= maxPrice).sort((a, b) => a.price - b.price)[0] ?? list.find((x) => x.active);
  if (!p) throw new Error('the catalog has no active product');
  return p;
}

export async function createOrder(
  http: HttpClient,
  token: string,
  sku: string,
  clientRequestId: string,
  quantity = 1,
): Promise<CreateOrderResponse> {
  const res = await http.json('POST', '/api/orders', { items: [{ sku, quantity }], clientRequestId }, token);
  if (res.status !== 201 && res.status !== 200) throw new UnexpectedAnswer('POST /api/orders', res);
  return res.json<CreateOrderResponse>()!;
}

export async function getOrder(http: HttpClient, token: string, id: string): Promise<OrderView> {
  const res = await http.json('GET', `/api/orders/${encodeURIComponent(id)}`, undefined, token);
  if (res.status !== 200) throw new UnexpectedAnswer(`GET /api/orders/${id}`, res);
  return res.json<OrderView>()!;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns true or `timeoutMs` passes; returns whether it became true. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= end) return false;
    await sleep(everyMs);
  }
}
