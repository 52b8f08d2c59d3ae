import { AUTH_SCHEME, formatAuthorization, parseAuthorization } from '../../../../server/src/wechatpay/crypto';

const fields = {
  mchid: '1900000109',
  nonce: 'abcDEF123',
  timestamp: 1554208460,
  serial: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
  signature: 'c2ln+/==',
};

describe('Authorization header', () => {
  it('formats the Go SDK field order and parses it back', () => {
    const h = formatAuthorization(fields);
    expect(h).toBe(
      `${AUTH_SCHEME} mchid="1900000109",nonce_str="abcDEF123",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",signature="c2ln+/=="`,
    );
    expect(parseAuthorization(h)).toEqual({ ok: true, ...fields, timestamp: '1554208460' });
  });

  it('parses the pairs in any order (the axios plugin order)', () => {
    const h = `${AUTH_SCHEME} mchid="1",serial_no="S",timestamp="2",nonce_str="N",signature="X"`;
    expect(parseAuthorization(h)).toEqual({ ok: true, mchid: '1', serial: 'S', timestamp: '2', nonce: 'N', signature: 'X' });
  });

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['WECHATPAY2-SHA256-RSA mchid="1",nonce_str="N",timestamp="2",serial_no="S",signature="X"', 'scheme'],
    ['Bearer abc', 'scheme'],
    [`${AUTH_SCHEME}  mchid="1",nonce_str="N",timestamp="2",serial_no="S",signature="X"`, 'format'],
    [`${AUTH_SCHEME} mchid="1", nonce_str="N",timestamp="2",serial_no="S",signature="X"`, 'format'],
    [`${AUTH_SCHEME} mchid=1,nonce_str="N",timestamp="2",serial_no="S",signature="X"`, 'format'],
    [`${AUTH_SCHEME} mchid="1",nonce_str="N",timestamp="2",serial_no="S"`, 'format'],
    [`${AUTH_SCHEME} mchid="1",nonce_str="N",timestamp="2",serial_no="S",signature="X",`, 'format'],
    [`${AUTH_SCHEME} mchid="1",mchid="1",nonce_str="N",timestamp="2",serial_no="S",signature="X"`, 'format'],
    [`${AUTH_SCHEME} mchid="1",nonce_str="N",timestamp="2",serial_no="S",signature="X",extra="y"`, 'format'],
    [`${AUTH_SCHEME} mchid="",nonce_str="N",timestamp="2",serial_no="S",signature="X"`, 'format'],
    [`${AUTH_SCHEME} mchid="1",nonce_str="N",timestamp="1700000000000x",serial_no="S",signature="X"`, 'format'],
    [`${AUTH_SCHEME} mchid="1";nonce_str="N",timestamp="2",serial_no="S",signature="X"`, 'format'],
    [`${AUTH_SCHEME}`, 'format'],
  ])('rejects %p as %s', (header, reason) => {
    const r = parseAuthorization(header as string | undefined);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.message.length).toBeGreaterThan(0);
    }
  });
});
