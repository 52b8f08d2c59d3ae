import { parseStatementCsv, retryDelayMs, shouldRetry, isYyyyMmDd, DEFAULT_RETRY_POLICY } from '../../../server/src/wechatpay';

describe('retry rules', () => {
  const p = DEFAULT_RETRY_POLICY;
  it('retries idempotent calls on 5xx, 429, 202, timeouts and network errors, up to the bound', () => {
    for (const status of [429, 500, 502, 503, 504, 202]) expect(shouldRetry({ type: 'response', status }, true, 1, p)).toBe(true);
    expect(shouldRetry({ type: 'timeout' }, true, 1, p)).toBe(true);
    expect(shouldRetry({ type: 'network' }, true, 2, p)).toBe(true);
    expect(shouldRetry({ type: 'network' }, true, 3, p)).toBe(false);
  });
  it('never retries 4xx, nor a non-idempotent call', () => {
    for (const status of [400, 401, 403, 404]) expect(shouldRetry({ type: 'response', status }, true, 1, p)).toBe(false);
    expect(shouldRetry({ type: 'timeout' }, false, 1, p)).toBe(false);
    expect(shouldRetry({ type: 'response', status: 500 }, false, 1, p)).toBe(false);
  });
  it('backs off exponentially with jitter, capped, honouring Retry-After', () => {
    expect(retryDelayMs({ type: 'timeout' }, 1, p, () => 0)).toBe(100);
    expect(retryDelayMs({ type: 'timeout' }, 2, p, () => 1)).toBe(400);
    expect(retryDelayMs({ type: 'timeout' }, 10, p, () => 1)).toBe(p.maxDelayMs);
    expect(retryDelayMs({ type: 'response', status: 429, retryAfterMs: 1000 }, 1, p)).toBe(1000);
    expect(retryDelayMs({ type: 'response', status: 429, retryAfterMs: 60000 }, 1, p)).toBe(p.maxDelayMs);
  });
});

describe('statement CSV', () => {
  it('strips backticks, maps 38 columns by position, honours quotes and keeps a summary block', () => {
    const cells = Array.from({ length: 38 }, (_, i) => `\`v${i}`);
    cells[19] = '"`Tea, green"';
    const text = ['h'.repeat(1), cells.join(','), '总交易单数,应结订单总金额', '`1,`0.01', ''].join('\n');
    const st = parseStatementCsv(text, 'abc');
    expect(st.rows).toHaveLength(1);
    expect(st.rows[0]!.trade_time).toBe('v0');
    expect(st.rows[0]!.goods_name).toBe('Tea, green');
    expect(st.rows[0]!.coupon_refund_amount).toBe('v37');
    expect(st.summary).toEqual({ header: ['总交易单数', '应结订单总金额'], rows: [['1', '0.01']] });
  });
  it('handles an empty file', () => {
    expect(parseStatementCsv('').rows).toEqual([]);
  });
});

describe('yyyyMMdd', () => {
  it('accepts real dates only', () => {
    expect(isYyyyMmDd('20240229')).toBe(true);
    expect(isYyyyMmDd('20230229')).toBe(false);
    expect(isYyyyMmDd('2024-01-01')).toBe(false);
    expect(isYyyyMmDd(20240101)).toBe(false);
  });
});
