// The expired-orders job on Quick Pay (POS) orders, on in-memory storage with a scripted WeChat Pay port:
// a charge still open at WeChat is reversed, a completed one is marked paid and never reversed.
import { OrderService } from '../../../server/src/domain/order-service';
import type { PaymentGateway, Transaction } from '../../../server/src/domain/ports/payment-gateway';
import { runExpiredOrders } from '../../../server/src/jobs/expired-orders';
import { createLogger } from '../../../server/src/logger';
import { createMemoryStorage, type MemoryStorage } from '../../../server/src/storage/memory';

let st: MemoryStorage;
beforeEach(() => {
  st = createMemoryStorage();
});

const identity = { mode: 'direct' as const, mchid: 'm1', appid: 'a1' };

/** WeChat's side of one order: trade_state answers in turn, and the calls made. */
function wechat(states: string[]) {
  const calls: string[] = [];
  const tx = (outTradeNo: string, state: string): Transaction => ({
    id: `42000${outTradeNo.slice(-8)}`,
    transaction_id: `42000${outTradeNo.slice(-8)}`,
    mchid: 'm1',
    appid: 'a1',
    out_trade_no: outTradeNo,
    trade_state: state as Transaction['trade_state'],
    amount: { total: 700, currency: 'HKD' },
    success_time: '2026-05-01T10:00:00+08:00',
  });
  const gateway = {
    identity,
    async queryByOutTradeNo(no: string) {
      calls.push('query');
      return tx(no, states.length > 1 ? states.shift()! : states[0]!);
    },
    async reverse() {
      calls.push('reverse');
    },
    async close() {
      calls.push('close');
      return 'closed';
    },
  } as unknown as PaymentGateway;
  return { gateway, calls };
}

let n = 0;
async function expiredPosOrder() {
  const now = new Date();
  const o = await st.orders.insert(
    {
      outTradeNo: `P${Date.now()}${String(n++).padStart(4, '0')}`,
      customerOpenid: 'pos',
      clientRequestId: `pos-${Date.now()}-${n}`,
      items: [],
      description: 'Counter sale',
      total: 700,
      currency: 'HKD',
      source: 'pos',
      expiresAt: new Date(now.getTime() - 1000),
      nextSyncAt: new Date(now.getTime() - 1000),
    },
    now,
  );
  if (o === 'duplicate') throw new Error('duplicate');
  return o;
}

function run(gateway: PaymentGateway) {
  const orders = new OrderService({
    orders: st.orders,
    catalog: st.catalog,
    gateway,
    currency: 'HKD',
    orderTtlSeconds: 600,
    firstSyncSeconds: 30,
    syncStaleSeconds: 10,
    logger: createLogger('silent'),
  });
  return runExpiredOrders({
    orderRecords: st.orders,
    orders,
    gateway,
    owner: 'i1',
    claimSeconds: 60,
    retrySeconds: 30,
    batchSize: 50,
    logger: createLogger('silent'),
  });
}

test('a Quick Pay charge still open at WeChat is reversed, then closed as WeChat reports it', async () => {
  const order = await expiredPosOrder();
  const { gateway, calls } = wechat(['USERPAYING', 'REVOKED']);
  expect(await run(gateway)).toEqual({ closed: 1, paid: 0, failed: 0 });
  expect(calls).toEqual(['query', 'reverse', 'query']);
  expect(await st.orders.findById(order.id)).toMatchObject({ status: 'CLOSED', wxTradeState: 'REVOKED' });
});

test('a Quick Pay charge the customer completed meanwhile is marked paid and never reversed', async () => {
  const order = await expiredPosOrder();
  const { gateway, calls } = wechat(['SUCCESS']);
  expect(await run(gateway)).toEqual({ closed: 0, paid: 1, failed: 0 });
  expect(calls).toEqual(['query']);
  expect(await st.orders.findById(order.id)).toMatchObject({ status: 'PAID', refundable: 700 });
});

test('a reverse WeChat did not apply leaves the order pending, to be tried again', async () => {
  const order = await expiredPosOrder();
  const { gateway, calls } = wechat(['USERPAYING']);
  expect(await run(gateway)).toEqual({ closed: 0, paid: 0, failed: 1 });
  expect(calls).toEqual(['query', 'reverse', 'query']);
  const after = await st.orders.findById(order.id);
  expect(after?.status).toBe('PENDING');
  expect(after!.nextSyncAt!.getTime()).toBeGreaterThan(Date.now());
});
