import { ERROR_STATUS } from '../../shared/errors';
import { describeError, describeWechatReason } from '../../server/console/src/errors';
import { LANGS, MESSAGES, pickLang, translate } from '../../server/console/src/i18n';
import { can } from '../../server/console/src/roles';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('console texts', () => {
  it('every key has a non-empty text in both languages, with the same placeholders', () => {
    const keys = Object.keys(MESSAGES.en) as (keyof typeof MESSAGES.en)[];
    for (const key of keys) {
      for (const lang of LANGS) expect({ key, lang, text: MESSAGES[lang][key].trim().length > 0 }).toEqual({ key, lang, text: true });
      expect({ key, zh: placeholders(MESSAGES['zh-HK'][key]) }).toEqual({ key, zh: placeholders(MESSAGES.en[key]) });
    }
  });

  it('every API error code has its own sentence in both languages', () => {
    for (const code of Object.keys(ERROR_STATUS)) {
      for (const lang of LANGS) {
        const text = describeError(lang, { status: ERROR_STATUS[code as keyof typeof ERROR_STATUS], code, message: 'server words' });
        expect(text).not.toBe(translate(lang, 'err.unknown', { code, message: 'server words' }));
        expect(text).not.toMatch(/\{\w+\}/);
      }
    }
  });

  it('says the over-refund plainly, in the chosen language', () => {
    const err = { status: 409, code: 'REFUND_EXCEEDS_BALANCE', message: 'amount exceeds refundable balance' };
    expect(describeError('en', err)).toBe('The amount is more than what is left to refund on this order.');
    expect(describeError('zh-HK', err)).toBe('金額超過此訂單餘下可退款的金額。');
  });

  it('adds the request reference to server errors only, and keeps unknown codes readable', () => {
    expect(describeError('en', { status: 500, code: 'INTERNAL', message: 'x', requestId: 'req-1' })).toContain('req-1');
    expect(describeError('en', { status: 403, code: 'FORBIDDEN', message: 'x', requestId: 'req-1' })).not.toContain('req-1');
    expect(describeError('en', { status: 418, code: 'TEAPOT', message: 'short and stout' })).toBe(
      'The request failed (TEAPOT): short and stout',
    );
  });

  it("explains WeChat Pay's refusal in plain words, falling back to its own message", () => {
    expect(describeWechatReason('en', { code: 'NOT_ENOUGH', message: '基本账户余额不足' })).toMatch(/balance .* not enough/);
    expect(describeWechatReason('zh-HK', { code: 'NOT_ENOUGH', message: '基本账户余额不足' })).toMatch(/餘額不足/);
    expect(describeWechatReason('en', { code: 'SOMETHING_NEW', message: 'new reason' })).toBe('new reason (SOMETHING_NEW)');
    expect(describeWechatReason('en', undefined)).toBe('');
  });

  it('starts in the saved language, else the browser one', () => {
    expect(pickLang('en', ['zh-HK'])).toBe('en');
    expect(pickLang(null, ['zh-TW', 'en'])).toBe('zh-HK');
    expect(pickLang('fr', ['en-GB'])).toBe('en');
  });
});

describe('console roles (the UI hides what the API refuses)', () => {
  it('only admins refund and close; viewers neither refund, close nor charge; cashiers charge', () => {
    expect(can('admin', 'refund')).toBe(true);
    expect(can('admin', 'close')).toBe(true);
    expect(can('cashier', 'close')).toBe(false);
    expect(can('cashier', 'statements')).toBe(true);
    expect(can('cashier', 'refund')).toBe(false);
    expect(can('viewer', 'refund')).toBe(false);
    expect(can('viewer', 'close')).toBe(false);
    expect(can('viewer', 'pos')).toBe(false);
    expect(can('cashier', 'pos')).toBe(true);
    expect(can('viewer', 'orders')).toBe(true);
  });
});
