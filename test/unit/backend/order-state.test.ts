import { mismatch, transitionFor } from '../../../server/src/domain/order-state';
import { newOutTradeNo } from '../../../server/src/domain/order-view';
import { nextDelaySeconds } from '../../../server/src/jobs/pending-orders';
import { OUT_TRADE_NO_PATTERN } from '../../../server/src/domain/ports/orders';
import { toWechatTime } from '../../../server/src/gateway/wechatpay-gateway';
import type { Transaction } from '../../../server/src/wechatpay';

test('trade_state maps onto our status in one place', () => {
  expect(transitionFor('SUCCESS')).toEqual({ to: 'PAID', from: ['PENDING', 'CLOSED', 'FAILED'] });
  expect(transitionFor('REFUND').to).toBe('PAID');
  expect(transitionFor('CLOSED')).toEqual({ to: 'CLOSED', from: ['PENDING'] });
  expect(transitionFor('REVOKED').to).toBe('CLOSED');
  expect(transitionFor('PAYERROR')).toEqual({ to: 'FAILED', from: ['PENDING'] });
  expect(transitionFor('NOTPAY').to).toBeUndefined();
  expect(transitionFor('USERPAYING').to).toBeUndefined();
  expect(transitionFor('SOMETHING_NEW').to).toBeUndefined();
});

const order = { outTradeNo: 'M1', total: 1900, currency: 'HKD' };
const direct = { mode: 'direct' as const, mchid: '1900000001', appid: 'wxapp' };
const tx = (over: Partial<Transaction> = {}): Transaction =>
  ({
    id: '42',
    transaction_id: '42',
    mchid: '1900000001',
    appid: 'wxapp',
    out_trade_no: 'M1',
    trade_state: 'SUCCESS',
    amount: { total: 1900, currency: 'HKD' },
    ...over,
  }) as Transaction;

test('a matching transaction passes; identity mismatches are rejected, amount mismatches flagged', () => {
  expect(mismatch(order, tx(), direct)).toBeUndefined();
  expect(mismatch(order, tx({ out_trade_no: 'M2' }), direct)).toEqual({ field: 'out_trade_no', flag: false });
  expect(mismatch(order, tx({ mchid: '1' }), direct)).toEqual({ field: 'mchid', flag: false });
  expect(mismatch(order, tx({ mchid: undefined }), direct)).toEqual({ field: 'mchid', flag: false });
  expect(mismatch(order, tx({ appid: 'other' }), direct)).toEqual({ field: 'appid', flag: false });
  expect(mismatch(order, tx({ amount: { total: 1899, currency: 'HKD' } }), direct)).toEqual({ field: 'amount.total', flag: true });
  expect(mismatch(order, tx({ amount: { total: 1900, currency: 'USD' } }), direct)).toEqual({ field: 'amount.currency', flag: true });
  expect(mismatch(order, tx({ amount: undefined }), direct)).toEqual({ field: 'amount.total', flag: true });
  const inst = { mode: 'institution' as const, mchid: 'SP', appid: 'spapp', subMchid: 'SUB', subAppid: 'subapp' };
  const itx = tx({ mchid: undefined, appid: undefined, sp_mchid: 'SP', sp_appid: 'spapp', sub_mchid: 'SUB', sub_appid: 'subapp' });
  expect(mismatch(order, itx, inst)).toBeUndefined();
  expect(mismatch(order, { ...itx, sub_mchid: 'OTHER' }, inst)).toEqual({ field: 'sub_mchid', flag: false });
});

test('tiered query schedule: each step in turn, the last repeating', () => {
  const s = [1, 5, 30];
  expect([0, 1, 2, 3, 10].map((a) => nextDelaySeconds(s, a))).toEqual([1, 5, 30, 30, 30]);
});

test('out_trade_no fits WeChat (<= 32 of [A-Za-z0-9_-]) and is unique', () => {
  const seen = new Set(Array.from({ length: 1000 }, () => newOutTradeNo()));
  expect(seen.size).toBe(1000);
  for (const n of seen) expect(n).toMatch(OUT_TRADE_NO_PATTERN);
});

test('time_expire is RFC 3339 in GMT+8', () => {
  expect(toWechatTime(new Date('2026-01-02T07:04:05.678Z'))).toBe('2026-01-02T15:04:05+08:00');
});
