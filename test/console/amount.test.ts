import { minorToMajorString, parseMajorAmount } from '../../server/console/src/amount';

describe('parseMajorAmount (form input in major units -> integer minor units)', () => {
  it.each([
    ['12', 'HKD', 1200],
    ['12.5', 'HKD', 1250],
    ['12.50', 'HKD', 1250],
    ['0.01', 'HKD', 1],
    ['1,234.56', 'HKD', 123456],
    [' 7 ', 'HKD', 700],
    ['１２．５０', 'HKD', 1250], // full-width, as typed with a Chinese input method
    ['500', 'JPY', 500],
    ['12.', 'HKD', 1200],
  ])('%s %s -> %d', (input, currency, minor) => {
    expect(parseMajorAmount(input, currency)).toEqual({ ok: true, minor });
  });

  it('refuses more decimals than the currency has', () => {
    expect(parseMajorAmount('12.345', 'HKD')).toEqual({ ok: false, problem: 'too_many_decimals', decimals: 2 });
    expect(parseMajorAmount('12.500', 'HKD')).toEqual({ ok: false, problem: 'too_many_decimals', decimals: 2 });
    expect(parseMajorAmount('500.5', 'JPY')).toEqual({ ok: false, problem: 'too_many_decimals', decimals: 0 });
  });

  it.each(['abc', '-5', '1e3', '12.3.4', '1,23', '0x10', '$12', '.5'])('refuses %p as not a number', (input) => {
    expect(parseMajorAmount(input, 'HKD')).toEqual({ ok: false, problem: 'invalid' });
  });

  it('refuses empty, zero and amounts beyond safe integers', () => {
    expect(parseMajorAmount('  ', 'HKD')).toEqual({ ok: false, problem: 'empty' });
    expect(parseMajorAmount('0.00', 'HKD')).toEqual({ ok: false, problem: 'zero' });
    expect(parseMajorAmount('99999999999999999', 'HKD')).toEqual({ ok: false, problem: 'too_large' });
  });

  it('never goes through floating point (0.29 is 29, not 28.999...)', () => {
    expect(parseMajorAmount('0.29', 'HKD')).toEqual({ ok: true, minor: 29 });
    expect(parseMajorAmount('1.15', 'HKD')).toEqual({ ok: true, minor: 115 });
  });
});

describe('minorToMajorString (pre-fills the refund form)', () => {
  it.each([
    [1250, 'HKD', '12.50'],
    [5, 'HKD', '0.05'],
    [0, 'HKD', '0.00'],
    [500, 'JPY', '500'],
  ])('%d %s -> %s', (minor, currency, text) => {
    expect(minorToMajorString(minor, currency)).toBe(text);
    expect(parseMajorAmount(text, currency)).toEqual(minor === 0 ? { ok: false, problem: 'zero' } : { ok: true, minor });
  });
});
