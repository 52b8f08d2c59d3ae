import {
  buildPaySignMessage,
  buildRequestMessage,
  buildResponseMessage,
  statementDigestBody,
} from '../../../../server/src/wechatpay/crypto';

describe('signed message builders', () => {
  it('builds the request message with five lines, each ending in \\n', () => {
    const body = '{"a":1}';
    expect(buildRequestMessage('post', '/v3/global/refunds?x=1', 1700000000, 'NONCE', body)).toBe(
      ['POST', '/v3/global/refunds?x=1', '1700000000', 'NONCE', body, ''].join('\n'),
    );
  });

  it('ends a GET message with an empty body line', () => {
    const m = buildRequestMessage('GET', '/v3/global/certificates', '1', 'n', '');
    expect(m.endsWith('n\n\n')).toBe(true);
    expect(m.split('\n')).toHaveLength(6);
  });

  it('builds the response message and keeps an empty body as a bare newline', () => {
    expect(buildResponseMessage('17', 'abc', '')).toBe('17\nabc\n\n');
    expect(buildResponseMessage(17, 'abc', '{"x":"y"}')).toBe('17\nabc\n{"x":"y"}\n');
  });

  it('builds the paySign message from the four fields in order', () => {
    const m = buildPaySignMessage('wx8888888888888888', '1414561699', '5K8264ILTKch16CQ2502SI8ZNMTM67VS', 'prepay_id=123456789');
    expect(m).toBe('wx8888888888888888\n1414561699\n5K8264ILTKch16CQ2502SI8ZNMTM67VS\nprepay_id=123456789\n');
  });

  it('builds the statement digest body exactly as WeChat Pay signs it', () => {
    expect(statementDigestBody('ab12')).toBe('{"sha1":"ab12"}');
  });
});
