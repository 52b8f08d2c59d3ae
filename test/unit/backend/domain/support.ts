// Plain-unit-test support for the domain rules: in-memory storage, a catalog, and a WeChat Pay port whose
// answers the test decides. No database, no network: each rule runs in milliseconds.
import type { Product } from '../../../../server/src/domain/ports/catalog';
import type { ExpectedMerchant, PaymentGateway, Transaction } from '../../../../server/src/domain/ports/payment-gateway';
import { OrderService, type OrderServiceOptions } from '../../../../server/src/domain/order-service';
import { createLogger } from '../../../../server/src/logger';
import { createMemoryStorage, type MemoryStorage } from '../../../../server/src/storage/memory';

export const MERCHANT: ExpectedMerchant = { mode: 'direct', mchid: '1900000001', appid: 'wx0123456789abcdef' };
export const silent = createLogger('silent');

export const PRODUCTS: Product[] = [
  { sku: 'tea', name: { 'zh-HK': '奶茶', en: 'Milk tea' }, price: 2800, currency: 'HKD', active: true, sort: 1 },
  { sku: 'bun', name: { 'zh-HK': '菠蘿油', en: 'Pineapple bun' }, price: 1600, currency: 'HKD', active: true, sort: 2 },
  { sku: 'old', name: { 'zh-HK': '舊', en: 'Old' }, price: 100, currency: 'HKD', active: false, sort: 3 },
];

export function storageWithCatalog(): MemoryStorage {
  const st = createMemoryStorage();
  for (const p of PRODUCTS) st.catalog.put(p);
  return st;
}

/** A successful payment of `order` as WeChat reports it. */
export function paid(order: { outTradeNo: string; total: number; currency: string }, over: Partial<Transaction> = {}): Transaction {
  return {
    id: `4200${order.outTradeNo.slice(-10)}`,
    transaction_id: `4200${order.outTradeNo.slice(-10)}`,
    mchid: MERCHANT.mchid,
    appid: MERCHANT.appid,
    out_trade_no: order.outTradeNo,
    trade_state: 'SUCCESS',
    amount: { total: order.total, currency: order.currency },
    success_time: '2026-05-01T10:00:00+08:00',
    ...over,
  } as Transaction;
}

/** A WeChat Pay port: prepay ids handed out and counted; other calls as `over` says (refused otherwise). */
export function scriptedGateway(over: Partial<PaymentGateway> = {}): PaymentGateway & { prepays: string[] } {
  const prepays: string[] = [];
  const refuse = () => Promise.reject(new Error('not scripted'));
  return {
    prepays,
    identity: MERCHANT,
    async prepay(i) {
      prepays.push(i.outTradeNo);
      return { prepayId: `wx-prepay-${i.outTradeNo}` };
    },
    async paymentParams(prepayId) {
      return {
        appId: MERCHANT.appid,
        timeStamp: '1767225600',
        nonceStr: 'n',
        package: `prepay_id=${prepayId}`,
        signType: 'RSA',
        paySign: 'sig',
      };
    },
    queryByOutTradeNo: refuse,
    close: refuse,
    micropay: refuse,
    reverse: refuse,
    refund: refuse,
    queryRefund: refuse,
    listRefunds: refuse,
    statement: refuse,
    settlements: refuse,
    parseNotification: refuse,
    ready: async () => true,
    ...over,
  };
}

/** The order service as the backend builds it (HKD, 30 min orders), on `st` and `gateway`; `over` changes a setting. */
export function orderServiceOn(st: MemoryStorage, gateway: PaymentGateway, over: Partial<OrderServiceOptions> = {}): OrderService {
  return new OrderService({
    orders: st.orders,
    catalog: st.catalog,
    gateway,
    currency: 'HKD',
    orderTtlSeconds: 1800,
    firstSyncSeconds: 30,
    syncStaleSeconds: 10,
    logger: silent,
    ...over,
  });
}
