// The backend's customer endpoints, typed by the shared contract.
import type {
  CreateOrderRequest,
  CreateOrderResponse,
  OrderList,
  OrderView,
  PayOrderResponse,
  ProductList,
  SandboxCashierRequest,
  SandboxCashierResponse,
} from '../../shared/api';
import { apiUrl } from './http';
import { request } from './request';

export function fetchProducts(): Promise<ProductList> {
  return request<ProductList>('/api/products', { auth: false });
}

export function createOrder(body: CreateOrderRequest): Promise<CreateOrderResponse> {
  return request<CreateOrderResponse>('/api/orders', { method: 'POST', data: body });
}

export function fetchOrder(id: string): Promise<OrderView> {
  return request<OrderView>(`/api/orders/${encodeURIComponent(id)}`);
}

/**
 * The order once the backend knows how the payment ended: asked once after the payment sheet said ok. The
 * backend waits a few seconds for WeChat Pay's notification, then asks WeChat Pay itself, and answers; the
 * order may still be PENDING (then the result page polls as a fallback).
 */
export function awaitOrder(id: string): Promise<OrderView> {
  return request<OrderView>(`/api/orders/${encodeURIComponent(id)}?wait=1`);
}

export function fetchOrders(page: number, pageSize: number): Promise<OrderList> {
  return request<OrderList>(`/api/orders?page=${page}&pageSize=${pageSize}`);
}

/** A fresh paySign for a pending order (the backend reuses its prepay_id while valid). */
export function startPayment(id: string): Promise<PayOrderResponse> {
  return request<PayOrderResponse>(`/api/orders/${encodeURIComponent(id)}/pay`, { method: 'POST', data: {} });
}

export function sandboxCashier(body: SandboxCashierRequest): Promise<SandboxCashierResponse> {
  return request<SandboxCashierResponse>('/api/sandbox/cashier', { method: 'POST', data: body });
}

/** A product picture's address: `imageUrl` is an https URL or a path on the backend. */
export function imageSrc(imageUrl: string | undefined): string {
  if (!imageUrl) return '';
  return imageUrl.startsWith('/') ? apiUrl(imageUrl) : imageUrl;
}
