import { gmt8Day, reconcile, toMinor } from '../../../../server/src/domain/reconciliation';
import { STATEMENT_COLUMNS, type StatementRow } from '../../../../server/src/wechatpay';

function row(o: Partial<Record<(typeof STATEMENT_COLUMNS)[number], string>>): StatementRow {
  const r = Object.fromEntries(STATEMENT_COLUMNS.map((c) => [c, o[c] ?? ''])) as unknown as StatementRow;
  r.cells = STATEMENT_COLUMNS.map((c) => o[c] ?? '');
  return r;
}

test('toMinor converts major-unit decimals exactly, by currency exponent', () => {
  expect(toMinor('56.00', 'HKD')).toBe(5600);
  expect(toMinor('0.1', 'HKD')).toBe(10);
  expect(toMinor('1234', 'JPY')).toBe(1234);
  expect(toMinor('-3.05', 'HKD')).toBe(-305);
  expect(toMinor('19.99', 'USD')).toBe(1999);
  expect(toMinor('1.234', 'HKD')).toBeNaN();
  expect(toMinor('abc', 'HKD')).toBeNaN();
});

test('gmt8Day is the Beijing calendar day', () => {
  const { start, end } = gmt8Day('20260102');
  expect(start.toISOString()).toBe('2026-01-01T16:00:00.000Z');
  expect(end.getTime() - start.getTime()).toBe(86400_000);
});

test('reconcile reports each kind of difference and nothing for matching lines', () => {
  const rows = [
    row({ out_trade_no: 'A', trade_state: 'SUCCESS', currency: 'HKD', total_amount: '56.00' }),
    row({ out_trade_no: 'B', trade_state: 'SUCCESS', currency: 'HKD', total_amount: '10.00' }),
    row({ out_trade_no: 'C', trade_state: 'SUCCESS', currency: 'HKD', total_amount: '5.00' }),
    row({ out_trade_no: 'D', trade_state: 'SUCCESS', currency: 'HKD', total_amount: '7.00' }),
    row({
      out_trade_no: 'A',
      trade_state: 'REFUND',
      out_refund_no: 'RA1',
      refund_status: 'SUCCESS',
      currency: 'HKD',
      refund_amount: '20.00',
    }),
    row({
      out_trade_no: 'A',
      trade_state: 'REFUND',
      out_refund_no: 'RA2',
      refund_status: 'REFUNDCLOSE',
      currency: 'HKD',
      refund_amount: '1.00',
    }),
  ];
  const orders = [
    { outTradeNo: 'A', status: 'PAID', total: 5600 },
    { outTradeNo: 'B', status: 'PAID', total: 1001 },
    { outTradeNo: 'D', status: 'PENDING', total: 700 },
    { outTradeNo: 'E', status: 'PAID', total: 300 },
  ];
  const refunds = [
    { outRefundNo: 'RA1', outTradeNo: 'A', status: 'SUCCESS', amount: 2000 },
    { outRefundNo: 'RA2', outTradeNo: 'A', status: 'PROCESSING', amount: 100 },
    { outRefundNo: 'RX', outTradeNo: 'A', status: 'PROCESSING', amount: 50 },
  ];
  const report = reconcile(
    '20260102',
    'f'.repeat(40),
    rows,
    'HKD',
    orders,
    new Set(['A', 'B', 'E']),
    refunds,
    new Set(['RA1', 'RA2', 'RX']),
  );
  expect(report.totals).toEqual({ payments: 5600 + 1000 + 500 + 700, refunds: 2100, currency: 'HKD' });
  expect(report.rows).toBe(6);
  expect(report.differences).toEqual([
    { kind: 'amount_differs', outTradeNo: 'B', wechat: { state: 'SUCCESS', amount: 1000 }, local: { state: 'PAID', amount: 1001 } },
    { kind: 'missing_locally', outTradeNo: 'C', wechat: { state: 'SUCCESS', amount: 500 } },
    { kind: 'state_differs', outTradeNo: 'D', wechat: { state: 'SUCCESS', amount: 700 }, local: { state: 'PENDING', amount: 700 } },
    {
      kind: 'state_differs',
      outTradeNo: 'A',
      outRefundNo: 'RA2',
      wechat: { state: 'CLOSED', amount: 100 },
      local: { state: 'PROCESSING', amount: 100 },
    },
    { kind: 'missing_at_wechat', outTradeNo: 'E', local: { state: 'PAID', amount: 300 } },
    { kind: 'missing_at_wechat', outTradeNo: 'A', outRefundNo: 'RX', local: { state: 'PROCESSING', amount: 50 } },
  ]);
});
