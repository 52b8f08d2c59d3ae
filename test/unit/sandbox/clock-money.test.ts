import {
  addDays,
  compactTime,
  createClock,
  gmt8Date,
  gmt8DayRange,
  isCalendarDate,
  parseRfc3339,
  rfc3339,
} from '../../../server/sandbox/clock';
import { digestOf, micropayScenario } from '../../../server/sandbox/ledger/ledger';
import { exchangeRate, fee, formatMajor, toPayerAmount } from '../../../server/sandbox/ledger/money';
import { ATTEMPT_OFFSETS_S, RETRY_INTERVALS_S } from '../../../server/sandbox/notifier/notifier';

test('GMT+8 formats', () => {
  const t = Date.UTC(2018, 5, 8, 2, 34, 56); // 10:34:56 in GMT+8
  expect(rfc3339(t)).toBe('2018-06-08T10:34:56+08:00');
  expect(compactTime(t)).toBe('20180608103456');
  expect(gmt8Date(Date.UTC(2018, 5, 8, 16, 0, 0))).toBe('20180609'); // past midnight in GMT+8
  expect(gmt8DayRange('20180609').start.toISOString()).toBe('2018-06-08T16:00:00.000Z');
  expect(isCalendarDate('20180230')).toBe(false);
  expect(isCalendarDate('20240229')).toBe(true);
  expect(addDays('20181231', 1)).toBe('20190101');
  expect(parseRfc3339('2018-06-08T10:34:56+08:00')?.getTime()).toBe(t);
  expect(parseRfc3339('2018-06-08 10:34:56')).toBeUndefined();
});

test('the time scale shrinks durations and stretches elapsed time', () => {
  let now = 1_000_000;
  const clock = createClock(0.001, () => now);
  expect(clock.scale(15_000)).toBe(15);
  now += 300; // 300 real ms = 300 simulated seconds
  expect(clock.elapsed(1_000_000)).toBe(300_000);
  expect(clock.elapsed(1_000_000, 5_000)).toBe(305_000);
});

test('the official schedule: 15 intervals, 16 attempts, 24 h 4 min in all', () => {
  expect(RETRY_INTERVALS_S).toHaveLength(15);
  expect(ATTEMPT_OFFSETS_S.slice(0, 5)).toEqual([0, 15, 30, 60, 240]);
  expect(ATTEMPT_OFFSETS_S[15]).toBe(86640);
});

test('Quick Pay scenarios by the last four digits of auth_code', () => {
  expect(micropayScenario('134650720866361395')).toEqual({ scenario: 'success', queries: 0 });
  expect(micropayScenario('134650720866369993')).toEqual({ scenario: 'userpaying-then-success', queries: 3 });
  expect(micropayScenario('134650720866369990')).toEqual({ scenario: 'userpaying-forever', queries: 0 });
  expect(micropayScenario('134650720866369980')).toEqual({ scenario: 'fail', queries: 0 });
  expect(micropayScenario('134650720866369982')).toEqual({ scenario: 'userpaying-then-fail', queries: 2 });
});

test('digests ignore key order and undefined fields but not values', () => {
  expect(digestOf({ a: 1, b: { c: 2, d: undefined } })).toBe(digestOf({ b: { c: 2 }, a: 1 }));
  expect(digestOf({ a: 1 })).not.toBe(digestOf({ a: 2 }));
});

test('money: minor units, exponents, payer side in CNY, fees', () => {
  expect(formatMajor(1234, 'HKD')).toBe('12.34');
  expect(formatMajor(5, 'HKD')).toBe('0.05');
  expect(formatMajor(-5, 'HKD')).toBe('-0.05');
  expect(formatMajor(1234, 'JPY')).toBe('1234');
  expect(toPayerAmount(2500, 'HKD')).toBe(2300);
  expect(toPayerAmount(1000, 'JPY')).toBe(4800);
  expect(exchangeRate('HKD')).toBe(92000000);
  expect(fee(10000, 60)).toBe(60);
});
