import type { RefundNotification } from '../../../../server/src/domain/ports/payment-gateway';
import type { RefundRecord } from '../../../../server/src/domain/ports/refunds';
import { refundMismatch } from '../../../../server/src/domain/refund-notifications';

const refund = { id: '65f000000000000000000001', outTradeNo: 'T1', outRefundNo: 'R1', amount: 500, currency: 'HKD' } as RefundRecord;
const note = (o: Partial<RefundNotification>): RefundNotification =>
  ({
    mchid: 'M1',
    out_trade_no: 'T1',
    out_refund_no: 'R1',
    refund_id: 'w1',
    id: 'w1',
    transaction_id: 'x',
    refund_status: 'SUCCESS',
    normalized_status: 'SUCCESS',
    amount: { refund: 500, currency: 'HKD' },
    ...o,
  }) as RefundNotification;
const direct = { mode: 'direct' as const, mchid: 'M1', appid: 'A1' };
const inst = { mode: 'institution' as const, mchid: 'SP1', appid: 'A1', subMchid: 'SUB1' };

test('a refund notification must name our merchant, our order and the refunded amount', () => {
  expect(refundMismatch(refund, note({}), direct)).toBeUndefined();
  expect(refundMismatch(refund, note({ mchid: 'M2' }), direct)).toBe('merchant id');
  expect(refundMismatch(refund, note({ out_trade_no: 'T2' }), direct)).toBe('out_trade_no');
  expect(refundMismatch(refund, note({ amount: { refund: 501, currency: 'HKD' } }), direct)).toMatch(/amount.refund/);
  expect(refundMismatch(refund, note({ amount: { refund: 500, currency: 'USD' } }), direct)).toBe('amount.currency');
  expect(refundMismatch(refund, note({ mchid: undefined, sp_mchid: 'SP1', sub_mchid: 'SUB1' }), inst)).toBeUndefined();
  expect(refundMismatch(refund, note({ mchid: undefined, sp_mchid: 'SP1', sub_mchid: 'SUB2' }), inst)).toBe('sub_mchid');
});
