// Every endpoint of the HTTP contract (shared/api.ts) with a valid request template, so the malformed-request
// generator can break each one in every way while the rest of the request stays plausible.

export type Audience = 'none' | 'customer' | 'staff' | 'wechatpay';

export interface EndpointTemplate {
  name: string;
  method: 'GET' | 'POST';
  /** Path with `:id` / `:date` placeholders. */
  path: string;
  auth: Audience;
  /** A valid body (POST) — the generator mutates it. */
  body?: Record<string, unknown>;
  /** Valid query parameters (GET) — the generator mutates them. */
  query?: Record<string, string>;
}

export interface EndpointIds {
  /** An order that exists (owned by the customer whose token the generator uses). */
  orderId: string;
  notifyTransactionsPath: string;
  notifyRefundsPath: string;
}

export function endpointCatalog(ids: EndpointIds): EndpointTemplate[] {
  return [
    { name: 'login', method: 'POST', path: '/api/auth/login', auth: 'none', body: { code: 'campaign-invalid-code' } },
    { name: 'config', method: 'GET', path: '/api/config', auth: 'none' },
    { name: 'products', method: 'GET', path: '/api/products', auth: 'none' },
    {
      name: 'create-order',
      method: 'POST',
      path: '/api/orders',
      auth: 'customer',
      body: { items: [{ sku: 'NO-SUCH-SKU', quantity: 1 }], clientRequestId: 'campaign-fuzz-0001' },
    },
    { name: 'list-orders', method: 'GET', path: '/api/orders', auth: 'customer', query: { page: '1', pageSize: '10' } },
    { name: 'get-order', method: 'GET', path: '/api/orders/:id', auth: 'customer' },
    { name: 'pay-order', method: 'POST', path: '/api/orders/:id/pay', auth: 'customer', body: {} },
    {
      name: 'sandbox-cashier',
      method: 'POST',
      path: '/api/sandbox/cashier',
      auth: 'customer',
      body: {
        orderId: ids.orderId,
        payment: { timeStamp: '1700000000', nonceStr: 'x'.repeat(32), package: 'prepay_id=wx000', signType: 'RSA', paySign: 'AAAA' },
        action: 'fail',
      },
    },
    {
      name: 'staff-login',
      method: 'POST',
      path: '/api/admin/login',
      auth: 'none',
      body: { username: 'campaign-fuzz-nobody', password: 'wrong-password' },
    },
    {
      name: 'admin-orders',
      method: 'GET',
      path: '/api/admin/orders',
      auth: 'staff',
      query: { status: 'PAID', from: '2026-01-01', to: '2026-12-31', outTradeNo: 'X', page: '1', pageSize: '10' },
    },
    { name: 'admin-order', method: 'GET', path: '/api/admin/orders/:id', auth: 'staff' },
    {
      name: 'admin-refund',
      method: 'POST',
      path: '/api/admin/orders/:id/refunds',
      auth: 'staff',
      body: { amount: 1, reason: 'campaign', requestId: 'campaign-fuzz-0001' },
    },
    { name: 'admin-refund-get', method: 'GET', path: '/api/admin/refunds/:id', auth: 'staff' },
    // A refund waiting for staff after NOT_ENOUGH: retried from chosen funds or cancelled (`:id` names no refund).
    {
      name: 'admin-refund-retry',
      method: 'POST',
      path: '/api/admin/refunds/:id/retry',
      auth: 'staff',
      body: { source: 'REFUND_SOURCE_RECHARGE_FUNDS' },
    },
    { name: 'admin-refund-cancel', method: 'POST', path: '/api/admin/refunds/:id/cancel', auth: 'staff', body: { reason: 'campaign' } },
    { name: 'admin-tills', method: 'GET', path: '/api/admin/tills', auth: 'staff' },
    { name: 'admin-till', method: 'GET', path: '/api/admin/tills/:id', auth: 'staff' },
    { name: 'admin-close', method: 'POST', path: '/api/admin/orders/:id/close', auth: 'staff', body: {} },
    {
      name: 'pos-charge',
      method: 'POST',
      path: '/api/admin/pos/charge',
      auth: 'staff',
      body: { authCode: '13xxxxxxxxxxxxxxxx', amount: 1, description: 'campaign', requestId: 'campaign-fuzz-0001' },
    },
    { name: 'statement', method: 'GET', path: '/api/admin/statements/:date', auth: 'staff', query: { store: 'HK-CEN' } },
    {
      name: 'settlements',
      method: 'GET',
      path: '/api/admin/settlements',
      auth: 'staff',
      query: { state: 'SETTLED', from: '20260101', to: '20260131', page: '1' },
    },
    {
      name: 'notify-transactions',
      method: 'POST',
      path: ids.notifyTransactionsPath,
      auth: 'wechatpay',
      body: { id: 'EV-1', event_type: 'TRANSACTION.SUCCESS', resource: {} },
    },
    {
      name: 'notify-refunds',
      method: 'POST',
      path: ids.notifyRefundsPath,
      auth: 'wechatpay',
      body: { id: 'EV-1', event_type: 'REFUND.SUCCESS', resource: {} },
    },
  ];
}

/** Fills `:id` and `:date` with the given values (already encoded or deliberately not). */
export function fillPath(path: string, id: string, date = '20260101'): string {
  return path.replace(':id', id).replace(':date', date);
}
