import { buildRequestMessage, formatAuthorization, loadPublicKey, signSha256RsaSync } from '../../../server/src/wechatpay/crypto';
import type { Merchant } from '../../../server/sandbox/config';
import { issueCertificate } from '../../../server/sandbox/keys/certificates';
import { verifyRequest } from '../../../server/sandbox/protocol/verify-request';
import { WxError } from '../../../server/sandbox/routes/errors';
import { createPrivateKey } from 'node:crypto';

const issued = issueCertificate({ commonName: 'unit merchant' });
const merchant: Merchant = {
  mchid: '1900000109',
  mode: 'direct',
  appids: ['wx1'],
  subMchids: [],
  subAppids: [],
  certificatePem: issued.certificatePem,
  serial: issued.serial,
  publicKey: loadPublicKey(issued.certificatePem),
  apiV3Key: 'k'.repeat(32),
  name: 'unit',
  settings: {},
};
const merchants = new Map([[merchant.mchid, merchant]]);
const key = createPrivateKey(issued.privateKeyPem);
const NOW = 1_700_000_000_000;

function auth(target: string, body: string, ts = NOW / 1000, over: Partial<{ serial: string; mchid: string }> = {}) {
  const signature = signSha256RsaSync(key, buildRequestMessage('POST', target, ts, 'NONCE', body));
  return formatAuthorization({
    mchid: over.mchid ?? merchant.mchid,
    nonce: 'NONCE',
    timestamp: ts,
    serial: over.serial ?? merchant.serial,
    signature,
  });
}

const fails = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as WxError;
  }
  throw new Error('did not fail');
};

test('accepts a correct signature over the raw target and body', () => {
  const a = auth('/v3/global/refunds?x=%20', '{"a":1}');
  expect(verifyRequest({ method: 'POST', target: '/v3/global/refunds?x=%20', rawBody: '{"a":1}', authorization: a }, merchants, NOW)).toBe(
    merchant,
  );
});

test('each failure is 401 SIGN_ERROR with its own message, the window is 300 s', () => {
  const a = auth('/p', '');
  const cases: Array<[() => unknown, string]> = [
    [() => verifyRequest({ method: 'POST', target: '/p2', rawBody: '', authorization: a }, merchants, NOW), '错误的签名'],
    [() => verifyRequest({ method: 'POST', target: '/p', rawBody: '', authorization: undefined }, merchants, NOW), '格式错误'],
    [() => verifyRequest({ method: 'POST', target: '/p', rawBody: '', authorization: 'Bearer x' }, merchants, NOW), '认证类型不正确'],
    [
      () =>
        verifyRequest(
          { method: 'POST', target: '/p', rawBody: '', authorization: auth('/p', '', NOW / 1000, { serial: 'AB' }) },
          merchants,
          NOW,
        ),
      '序列号有误',
    ],
    [
      () =>
        verifyRequest(
          { method: 'POST', target: '/p', rawBody: '', authorization: auth('/p', '', NOW / 1000, { mchid: '1' }) },
          merchants,
          NOW,
        ),
      '商户号不存在',
    ],
    [
      () => verifyRequest({ method: 'POST', target: '/p', rawBody: '', authorization: auth('/p', '', NOW / 1000 - 301) }, merchants, NOW),
      '5 分钟',
    ],
  ];
  for (const [fn, text] of cases) {
    const e = fails(fn);
    expect(e).toBeInstanceOf(WxError);
    expect(e.status).toBe(401);
    expect(e.code).toBe('SIGN_ERROR');
    expect(e.text.zh).toContain(text);
  }
  expect(
    verifyRequest({ method: 'POST', target: '/p', rawBody: '', authorization: auth('/p', '', NOW / 1000 - 300) }, merchants, NOW),
  ).toBe(merchant);
  const noKey = new Map([[merchant.mchid, { ...merchant, apiV3Key: undefined }]]);
  expect(fails(() => verifyRequest({ method: 'POST', target: '/p', rawBody: '', authorization: a }, noKey, NOW)).text.zh).toBe(
    '商户未设置APIv3密钥',
  );
});
