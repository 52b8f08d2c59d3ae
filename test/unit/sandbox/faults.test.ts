import { FaultBook, markedFaults, parseFaultList } from '../../../server/sandbox/faults/faults';

test('parses the header list and keeps unknown names apart', () => {
  expect(parseFaultList(' 500, delay:3000 ,SIGNTEST,explode')).toEqual({ faults: ['500', 'delay:3000', 'signtest'], unknown: ['explode'] });
  expect(parseFaultList(undefined)).toEqual({ faults: [], unknown: [] });
  expect(parseFaultList('delay:abc').unknown).toEqual(['delay:abc']);
});

test('markers in attach / reason', () => {
  expect(markedFaults('cart=1 sandbox:notify-drop sandbox:refund-closed sandbox:nonsense')).toEqual(['notify-drop', 'refund-closed']);
  expect(markedFaults(undefined)).toEqual([]);
});

test('armed faults fire as many times as asked, only where they match', () => {
  const book = new FaultBook();
  book.arm({ fault: '500', path: '/v3/global/refunds', method: 'POST', times: 2 });
  book.arm({ fault: 'notify-drop', out_trade_no: 'A' });
  const any = () => true;
  expect(book.take({ method: 'GET', path: '/v3/global/refunds' }, any)).toEqual([]);
  expect(book.take({ method: 'POST', path: '/v3/global/transactions/jsapi' }, any)).toEqual([]);
  expect(book.take({ method: 'POST', path: '/v3/global/refunds' }, (f) => f === '500')).toEqual(['500']);
  expect(book.take({ method: 'POST', path: '/v3/global/refunds' }, (f) => f === '500')).toEqual(['500']);
  expect(book.take({ method: 'POST', path: '/v3/global/refunds' }, (f) => f === '500')).toEqual([]);
  expect(book.take({ out_trade_no: 'B' }, any)).toEqual([]);
  expect(book.take({ out_trade_no: 'A' }, any)).toEqual(['notify-drop']);
  expect(book.list()).toEqual([]);
});

test('rates draw with the injected random source; delay uses the configured milliseconds', () => {
  const values = [0.05, 0.5, 0.01];
  const book = new FaultBook({ error500: 0.1, signtest: 0.1, delay: 0.1 }, 1234, () => values.shift() ?? 1);
  expect(book.drawn(['error500', 'signtest', 'delay'])).toEqual(['500', 'delay:1234']);
  book.reset();
  expect(book.drawn(['error500'])).toEqual([]);
});
