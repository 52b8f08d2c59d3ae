// A peer SDK, unchanged except for its base URL: wechatpay-axios-plugin signs its own requests and verifies
// the sandbox's signed answers with the platform certificate downloaded from the sandbox.
import { createPublicKey } from 'node:crypto';
import { issueCertificate } from '../../server/sandbox/keys/certificates';
import { downloadCertificates, jsapiBody, startInProcessSandbox, type InProcessSandbox } from '../support/sandbox-inprocess';

const { Wechatpay } = require('wechatpay-axios-plugin') as { Wechatpay: new (cfg: Record<string, unknown>) => any };

let sb: InProcessSandbox;
beforeAll(async () => {
  sb = await startInProcessSandbox();
});
afterAll(async () => {
  await sb.stop();
});

test('places a JSAPI order and verifies the signed answer with the sandbox platform certificate', async () => {
  const m = sb.config.direct;
  const certs = await downloadCertificates(sb.baseUrl, m);
  const wxpay = new Wechatpay({
    mchid: m.mchid,
    serial: m.serial,
    privateKey: m.privateKeyPem,
    certs: Object.fromEntries([...certs].map(([serial, pem]) => [serial, createPublicKey(pem)])),
    baseURL: sb.baseUrl + '/',
  });
  const openid = await sb.admin.openid('axios-user');
  const { status, data } = await wxpay.v3.global.transactions.jsapi.post(jsapiBody(m, 'AXIOS1', openid));
  expect(status).toBe(200);
  expect(data.prepay_id).toMatch(/^wx/);

  const query = await wxpay.v3.global.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: m.mchid }, out_trade_no: 'AXIOS1' });
  expect(query.data).toMatchObject({ out_trade_no: 'AXIOS1', trade_state: 'NOTPAY' });

  // The plugin really verifies: with a certificate that is not the sandbox's, the same call is rejected.
  const stranger = issueCertificate({ commonName: 'not the platform' });
  const wrong = new Wechatpay({
    mchid: m.mchid,
    serial: m.serial,
    privateKey: m.privateKeyPem,
    certs: { [sb.config.platformSerial]: createPublicKey(stranger.certificatePem) },
    baseURL: sb.baseUrl + '/',
  });
  await expect(
    wrong.v3.global.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: m.mchid }, out_trade_no: 'AXIOS1' }),
  ).rejects.toThrow();

  // And its errors are the sandbox's real error bodies.
  const err = await wxpay.v3.global.transactions.outTradeNo._out_trade_no_
    .get({ params: { mchid: m.mchid }, out_trade_no: 'MISSING' })
    .catch((e: any) => e);
  expect(err.response.status).toBe(404);
  expect(err.response.data.code).toBe('ORDER_NOT_EXIST');
});
