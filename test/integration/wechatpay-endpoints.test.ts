// Paths, identity fields and answer normalisation of the refund and order endpoints, in both modes.
import { issueCertificate } from '../../server/sandbox/keys/certificates';
import { WechatPayClient, type WechatPayClientOptions } from '../../server/src/wechatpay';
import { decryptOaep, loadPrivateKey } from '../../server/src/wechatpay/crypto';
import { API_V3_KEY, FakeWechatPay } from '../unit/wechatpay/support/fake-wechatpay';

const merchant = issueCertificate({ commonName: 'merchant' });
let fake: FakeWechatPay;
const clients: WechatPayClient[] = [];
beforeEach(async () => {
  fake = await new FakeWechatPay().start();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await fake.stop();
});

function client(identity: object): WechatPayClient {
  const c = new WechatPayClient({
    ...identity,
    merchantSerial: merchant.serial,
    privateKey: merchant.privateKeyPem,
    apiV3Key: API_V3_KEY,
    baseUrl: fake.url,
    retry: { maxRetries: 0 },
  } as WechatPayClientOptions);
  clients.push(c);
  return c;
}
const direct = () => client({ mode: 'direct', mchid: '1900000109', appid: 'wxdirect' });
const inst = () => client({ mode: 'institution', spMchid: '10000100', spAppid: 'wxsp', subMchid: '20000100', subAppid: 'wxsub' });
const api = () => fake.requests.filter((r) => !r.url.endsWith('/certificates'));

describe('refund endpoints', () => {
  it('queries a refund by out-refund-no and by id, normalising REFUNDCLOSE', async () => {
    fake.handler = () => ({
      body: JSON.stringify({ id: '5020', out_refund_no: 'R1', status: 'REFUNDCLOSE', amount: { refund: 5, currency: 'HKD' } }),
    });
    const a = await inst().queryRefundByOutRefundNo('R1');
    expect(a).toMatchObject({ id: '5020', refund_id: '5020', status: 'REFUNDCLOSE', normalized_status: 'CLOSED' });
    const b = await direct().queryRefundById('5020');
    expect(b.normalized_status).toBe('CLOSED');
    expect(api().map((r) => r.url)).toEqual([
      '/v3/global/refunds/out-refund-no/R1?sp_mchid=10000100&sub_mchid=20000100',
      '/v3/global/refunds/id/5020?mchid=1900000109',
    ]);
  });

  it('lists all refunds of an order with offset/count and normalises each item', async () => {
    fake.handler = () => ({
      body: JSON.stringify({
        id: '42',
        out_trade_no: 'T1',
        total_num: 2,
        current_total_num: 2,
        data: [
          { id: 'r1', out_refund_no: 'R1', status: 'SUCCESS' },
          { refund_id: 'r2', out_refund_no: 'R2', status: 'PROCESSING' },
        ],
      }),
    });
    const list = await inst().listRefunds({ out_trade_no: 'T1', offset: 0, count: 10 });
    expect(list.data.map((r) => [r.id, r.normalized_status])).toEqual([
      ['r1', 'SUCCESS'],
      ['r2', 'PROCESSING'],
    ]);
    expect(api()[0]!.url).toBe('/v3/global/refunds?out_trade_no=T1&count=10&offset=0&sp_mchid=10000100&sub_mchid=20000100');
    await expect(inst().listRefunds({ out_trade_no: 'T1', offset: 0, count: 21 })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(inst().listRefunds({ offset: 0, count: 5 })).rejects.toMatchObject({ kind: 'invalid_input' });
    expect(api()).toHaveLength(1);
  });

  it('refuses a refund larger than the order before sending', async () => {
    await expect(
      direct().refund({ out_trade_no: 'T1', out_refund_no: 'R1', amount: { refund: 11, total: 10, currency: 'HKD' } }),
    ).rejects.toMatchObject({ kind: 'invalid_input' });
    expect(api()).toHaveLength(0);
  });
});

describe('order endpoints', () => {
  it('closes by transaction id and lets the sub_mchid be overridden per call', async () => {
    fake.handler = () => ({ status: 204 });
    await inst().closeOrder({ transaction_id: '4200', sub_mchid: '30000300' });
    expect(api()[0]!.url).toBe('/v3/global/transactions/id/4200/close');
    expect(JSON.parse(api()[0]!.body)).toEqual({ sp_mchid: '10000100', sub_mchid: '30000300' });
  });

  it('orders in institution mode with sub_appid for a sub_openid payer, and returns paySign params', async () => {
    fake.handler = () => ({ body: '{"prepay_id":"wx123"}' });
    const out = await inst().jsapiPrepayWithRequestPayment({
      description: 'Tea',
      out_trade_no: 'T9',
      notify_url: 'https://m.example/n',
      merchant_category_code: '5812',
      amount: { total: 100, currency: 'HKD' },
      payer: { sub_openid: 'o-sub' },
    });
    expect(out.params.package).toBe('prepay_id=wx123');
    expect(JSON.parse(api()[0]!.body)).toMatchObject({
      sp_mchid: '10000100',
      sp_appid: 'wxsp',
      sub_mchid: '20000100',
      sub_appid: 'wxsub',
      trade_type: 'JSAPI',
    });
  });

  it('refuses a payer that does not fit the mode', async () => {
    const base = {
      description: 'Tea',
      out_trade_no: 'T9',
      notify_url: 'https://m.example/n',
      merchant_category_code: '5812',
      amount: { total: 100, currency: 'HKD' },
    };
    await expect(direct().jsapiOrder({ ...base, payer: { sub_openid: 'x' } })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(inst().jsapiOrder({ ...base, payer: { openid: 'x' } })).rejects.toMatchObject({ kind: 'invalid_input' });
    await expect(direct().jsapiOrder({ ...base, out_trade_no: 'x'.repeat(33), payer: { openid: 'x' } })).rejects.toMatchObject({
      kind: 'invalid_input',
    });
    expect(api()).toHaveLength(0);
  });

  it('reports a signed 2xx that is not JSON as invalid_response', async () => {
    fake.handler = () => ({ body: 'not json' });
    await expect(direct().queryOrderById('1')).rejects.toMatchObject({ kind: 'invalid_response', code: 'INVALID_RESPONSE' });
  });

  it('sends Wechatpay-Serial with a request carrying encrypted fields', async () => {
    fake.handler = () => ({ body: '{}' });
    const c = inst();
    const enc = await c.encryptSensitive('13800138000');
    await c.request({
      method: 'POST',
      path: '/v3/global/some/onboarding',
      body: { phone: enc.ciphertext },
      idempotent: false,
      wechatpaySerial: enc.serial,
    });
    const req = api()[0]!;
    expect(req.headers['wechatpay-serial']).toBe(fake.platform.serial);
    expect(decryptOaep(loadPrivateKey(fake.platform.privateKeyPem), JSON.parse(req.body).phone)).toBe('13800138000');
  });
});
