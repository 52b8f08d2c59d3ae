import { createVerify, createPublicKey } from 'node:crypto';
import { issueCertificate } from '../../../server/sandbox/keys/certificates';
import { WechatPayClient, type WechatPayClientOptions } from '../../../server/src/wechatpay';
import { buildPaySignMessage } from '../../../server/src/wechatpay/crypto';

const merchant = issueCertificate({ commonName: 'merchant' });
const pub = createPublicKey(merchant.privateKeyPem);
const common = {
  merchantSerial: merchant.serial,
  privateKey: merchant.privateKeyPem,
  apiV3Key: 'k'.repeat(32),
  platformCertificates: [merchant.certificatePem],
  downloadCertificates: false,
};
const make = (o: object) => new WechatPayClient({ ...common, ...o } as WechatPayClientOptions);

function verifies(appId: string, p: { timeStamp: string; nonceStr: string; package: string; paySign: string }) {
  return createVerify('RSA-SHA256')
    .update(buildPaySignMessage(appId, p.timeStamp, p.nonceStr, p.package))
    .verify(pub, p.paySign, 'base64');
}

describe('requestPaymentParams', () => {
  const direct = make({ mode: 'direct', mchid: '1', appid: 'wxdirect' });
  const inst = make({ mode: 'institution', spMchid: '1', spAppid: 'wxsp', subMchid: '2', subAppid: 'wxsub' });
  const instNoSub = make({ mode: 'institution', spMchid: '1', spAppid: 'wxsp', subMchid: '2' });
  afterAll(() => [direct, inst, instNoSub].forEach((c) => c.close()));

  it('returns exactly what wx.requestPayment takes, signed with appid in direct mode', async () => {
    const p = await direct.requestPaymentParams({ prepayId: 'wx201410272009395522657a690389285100' });
    expect(Object.keys(p).sort()).toEqual(['nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
    expect(p.package).toBe('prepay_id=wx201410272009395522657a690389285100');
    expect(p.signType).toBe('RSA');
    expect(p.timeStamp).toMatch(/^\d{10}$/);
    expect(p.nonceStr).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(verifies('wxdirect', p)).toBe(true);
  });

  it('institution mode: sub_appid for a sub_openid payer, sp_appid for an sp_openid payer', async () => {
    const sub = await inst.requestPaymentParams({ prepayId: 'p1', payer: 'sub_openid' });
    expect(verifies('wxsub', sub)).toBe(true);
    expect(verifies('wxsp', sub)).toBe(false);
    const sp = await inst.requestPaymentParams({ prepayId: 'p1', payer: 'sp_openid' });
    expect(verifies('wxsp', sp)).toBe(true);
    expect(verifies('wxsub', sp)).toBe(false);
    await expect(instNoSub.requestPaymentParams({ prepayId: 'p1', payer: 'sub_openid' })).rejects.toMatchObject({ kind: 'invalid_input' });
    expect(verifies('wxsp', await instNoSub.requestPaymentParams({ prepayId: 'p1' }))).toBe(true);
  });

  it('uses given timeStamp and nonceStr (deterministic PKCS#1 v1.5)', async () => {
    const a = await direct.requestPaymentParams({ prepayId: 'p', timeStamp: '1414561699', nonceStr: 'n' });
    const b = await direct.requestPaymentParams({ prepayId: 'p', timeStamp: '1414561699', nonceStr: 'n' });
    expect(a.paySign).toBe(b.paySign);
  });

  it('refuses bad configuration', () => {
    expect(() => make({ mode: 'direct', mchid: '1', appid: '' })).toThrow(/appid/);
    expect(() => make({ mode: 'direct', mchid: '1', appid: 'a', apiV3Key: 'short' })).toThrow(/32 bytes/);
    expect(() => make({ mode: 'other' })).toThrow(/mode/);
  });
});
