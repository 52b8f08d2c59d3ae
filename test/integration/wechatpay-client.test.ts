// The client against local node:http servers that sign like WeChat Pay (all keys generated here).
import { createPublicKey } from 'node:crypto';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { issueCertificate } from '../../server/sandbox/keys/certificates';
import { WechatPayClient, WechatPayError, type WechatPayClientOptions } from '../../server/src/wechatpay';
import { buildRequestMessage, loadPrivateKey, parseAuthorization, verifySha256Rsa } from '../../server/src/wechatpay/crypto';
import { API_V3_KEY, FakeWechatPay, signReply } from '../unit/wechatpay/support/fake-wechatpay';

const merchant = issueCertificate({ commonName: 'merchant' });
const merchantPublic = createPublicKey(loadPrivateKey(merchant.privateKeyPem));

let fake: FakeWechatPay;
const clients: WechatPayClient[] = [];

beforeEach(async () => {
  fake = await new FakeWechatPay().start();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await fake.stop();
});

function institution(extra: Partial<WechatPayClientOptions> = {}): WechatPayClient {
  const c = new WechatPayClient({
    mode: 'institution',
    spMchid: '10000100',
    spAppid: 'wx2421b1c4370ec43b',
    subMchid: '20000100',
    subAppid: 'wx352671b037b437ec',
    merchantSerial: merchant.serial,
    privateKey: merchant.privateKeyPem,
    apiV3Key: API_V3_KEY,
    baseUrl: fake.url,
    timeoutMs: 1000,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...extra,
  } as WechatPayClientOptions);
  clients.push(c);
  return c;
}

function direct(extra: Partial<WechatPayClientOptions> = {}): WechatPayClient {
  const c = new WechatPayClient({
    mode: 'direct',
    mchid: '1900000109',
    appid: 'wxd678efh567hg6787',
    merchantSerial: merchant.serial,
    privateKey: merchant.privateKeyPem,
    apiV3Key: API_V3_KEY,
    baseUrl: fake.url,
    timeoutMs: 1000,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...extra,
  } as WechatPayClientOptions);
  clients.push(c);
  return c;
}

const apiRequests = () => fake.requests.filter((r) => !r.url.endsWith('/v3/global/certificates'));

const txBody = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ id: '4200000001', out_trade_no: 'T1', trade_state: 'SUCCESS', amount: { total: 100, currency: 'HKD' }, ...over });

describe('request signing', () => {
  it('signs the exact target and body WeChat Pay receives, in institution mode', async () => {
    fake.handler = () => ({ body: txBody() });
    const c = institution();
    const tx = await c.queryOrderByOutTradeNo('T 1/x');
    expect(tx.id).toBe('4200000001');
    expect(tx.transaction_id).toBe('4200000001');
    const req = apiRequests()[0]!;
    expect(req.url).toBe('/v3/global/transactions/out-trade-no/T%201%2Fx?sp_mchid=10000100&sub_mchid=20000100');
    const auth = parseAuthorization(req.headers.authorization);
    expect(auth.ok).toBe(true);
    if (!auth.ok) return;
    expect(auth.mchid).toBe('10000100');
    expect(auth.serial).toBe(merchant.serial);
    expect(Math.abs(Number(auth.timestamp) - Date.now() / 1000)).toBeLessThan(5);
    expect(verifySha256Rsa(merchantPublic, buildRequestMessage('GET', req.url, auth.timestamp, auth.nonce, ''), auth.signature)).toBe(true);
    expect(req.headers.accept).toBe('application/json');
    expect(req.headers['user-agent']).toBeTruthy();
  });

  it('sends the JSAPI body with direct-mode identity and signs those bytes', async () => {
    fake.handler = () => ({ body: '{"prepay_id":"wx201410272009395522657a690389285100"}' });
    const c = direct();
    const out = await c.jsapiOrder({
      description: 'Tea',
      out_trade_no: 'T2',
      notify_url: 'https://merchant.example/notify',
      merchant_category_code: '5812',
      amount: { total: 1200, currency: 'HKD' },
      payer: { openid: 'o-1' },
    });
    expect(out.prepay_id).toBe('wx201410272009395522657a690389285100');
    const req = apiRequests()[0]!;
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ mchid: '1900000109', appid: 'wxd678efh567hg6787', trade_type: 'JSAPI', payer: { openid: 'o-1' } });
    expect(body.sp_mchid).toBeUndefined();
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth.ok) throw new Error('bad auth');
    expect(auth.mchid).toBe('1900000109');
    expect(
      verifySha256Rsa(merchantPublic, buildRequestMessage('POST', req.url, auth.timestamp, auth.nonce, req.body), auth.signature),
    ).toBe(true);
  });

  it('keeps the base URL path prefix in the signed target', async () => {
    fake.handler = () => ({ body: txBody() });
    const c = direct({ baseUrl: `${fake.url}/prefix/` });
    await c.queryOrderById('4200000001');
    const req = apiRequests()[0]!;
    expect(req.url).toBe('/prefix/v3/global/transactions/id/4200000001?mchid=1900000109');
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth.ok) throw new Error('bad auth');
    expect(verifySha256Rsa(merchantPublic, buildRequestMessage('GET', req.url, auth.timestamp, auth.nonce, ''), auth.signature)).toBe(true);
  });
});

describe('response verification', () => {
  it('accepts a signed 204 (close) and a 204 signed over an empty body only', async () => {
    fake.handler = () => ({ status: 204 });
    await institution().closeOrder({ out_trade_no: 'T1' });
    expect(JSON.parse(apiRequests()[0]!.body)).toEqual({ sp_mchid: '10000100', sub_mchid: '20000100' });
    fake.handler = () => ({ status: 204, signedBody: 'x' });
    await expect(institution().closeOrder({ out_trade_no: 'T1' })).rejects.toMatchObject({ kind: 'signature' });
  });

  it.each([
    ['no signature headers', { signWith: false as const }, 'missing_headers'],
    ['a stale timestamp', { timestampOffsetSec: -301 }, 'stale_timestamp'],
    ['a future timestamp', { timestampOffsetSec: 301 }, 'future_timestamp'],
    ['a body changed after signing', { signedBody: txBody({ trade_state: 'NOTPAY' }) }, 'bad_signature'],
  ])('treats a 2xx with %s as forged', async (_name, reply, reason) => {
    fake.handler = () => ({ body: txBody(), ...reply });
    const err = await institution()
      .queryOrderById('4200000001')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WechatPayError);
    expect((err as WechatPayError).kind).toBe('signature');
    expect((err as WechatPayError).detail).toMatchObject({ reason });
  });

  it('accepts a timestamp 299 s off', async () => {
    fake.handler = () => ({ body: txBody(), timestampOffsetSec: -299 });
    await expect(institution().queryOrderById('4200000001')).resolves.toMatchObject({ trade_state: 'SUCCESS' });
  });

  it('rejects a WECHATPAY/SIGNTEST/ probe and an unknown signer', async () => {
    fake.handler = () => ({ body: txBody(), headers: { 'Wechatpay-Signature': 'WECHATPAY/SIGNTEST/abcd' } });
    fake.handler = (() => {
      const body = txBody();
      return () => ({
        body,
        signWith: false,
        headers: { ...signReply(fake.platform, body), 'Wechatpay-Signature': 'WECHATPAY/SIGNTEST/' + 'A'.repeat(40) },
      });
    })();
    await expect(institution().queryOrderById('1')).rejects.toMatchObject({ detail: { reason: 'signtest_probe' } });
    const stranger = issueCertificate({ commonName: 'stranger' });
    fake.handler = () => ({ body: txBody(), signWith: stranger });
    await expect(institution().queryOrderById('1')).rejects.toMatchObject({ kind: 'signature', detail: { reason: 'unknown_serial' } });
  });
});

describe('errors, timeouts and retries', () => {
  it('turns an error body into WechatPayError with status, code, message, detail and Request-ID, without retrying a 4xx', async () => {
    fake.handler = () => ({
      status: 400,
      signWith: false,
      body: JSON.stringify({ code: 'PARAM_ERROR', message: 'bad payer', detail: { field: '#/properties/payer', location: 'body' } }),
      headers: { 'Request-ID': '08F0A1-268512771' },
    });
    const err = (await institution()
      .queryOrderById('1')
      .catch((e: unknown) => e)) as WechatPayError;
    expect(err).toMatchObject({
      kind: 'api',
      status: 400,
      code: 'PARAM_ERROR',
      message: 'bad payer',
      requestId: '08F0A1-268512771',
      attempts: 1,
    });
    expect(err.detail).toEqual({ field: '#/properties/payer', location: 'body' });
    expect(apiRequests()).toHaveLength(1);
  });

  it('keeps a non-JSON error body', async () => {
    fake.handler = () => ({ status: 502, signWith: false, body: '<html>bad gateway</html>' });
    const err = (await institution({ retry: { maxRetries: 0 } })
      .queryOrderById('1')
      .catch((e: unknown) => e)) as WechatPayError;
    expect(err).toMatchObject({ kind: 'api', status: 502, code: 'HTTP_502', body: '<html>bad gateway</html>' });
  });

  it('retries a GET after 500 and 429, re-signing each attempt, and stops at the bound', async () => {
    fake.handler = (_r, n) =>
      n <= 2 ? { status: n === 1 ? 500 : 429, signWith: false, body: '{"code":"SYSTEM_ERROR","message":"x"}' } : { body: txBody() };
    await expect(institution().queryOrderById('1')).resolves.toMatchObject({ id: '4200000001' });
    const reqs = apiRequests();
    expect(reqs).toHaveLength(3);
    expect(new Set(reqs.map((r) => r.headers.authorization)).size).toBe(3);

    fake.requests.length = 0;
    fake.handler = () => ({ status: 503, signWith: false, body: '{"code":"SERVICE_UNAVAILABLE","message":"busy"}' });
    const err = (await institution({ retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } })
      .queryOrderById('1')
      .catch((e: unknown) => e)) as WechatPayError;
    expect(err).toMatchObject({ status: 503, attempts: 3 });
    expect(apiRequests()).toHaveLength(3);
  });

  it('retries a refund (idempotent by out_refund_no) with the identical body', async () => {
    fake.handler = (_r, n) =>
      n === 1 ? { drop: true } : { body: JSON.stringify({ id: '5020', out_refund_no: 'R1', amount: { refund: 5, currency: 'HKD' } }) };
    const refund = await institution().refund({
      out_trade_no: 'T1',
      out_refund_no: 'R1',
      amount: { refund: 5, total: 10, currency: 'HKD' },
    });
    expect(refund).toMatchObject({ id: '5020', refund_id: '5020' });
    const reqs = apiRequests();
    expect(reqs).toHaveLength(2);
    expect(reqs[0]!.body).toBe(reqs[1]!.body);
    expect(JSON.parse(reqs[0]!.body)).toMatchObject({
      sp_mchid: '10000100',
      sp_appid: 'wx2421b1c4370ec43b',
      sub_mchid: '20000100',
      out_refund_no: 'R1',
    });
  });

  it('times out a slow answer, and retries a GET after a timeout', async () => {
    fake.handler = (_r, n) => (n === 1 ? { delayMs: 400, body: txBody() } : { body: txBody() });
    const c = institution({ timeoutMs: 150 });
    await expect(c.queryOrderById('1')).resolves.toMatchObject({ id: '4200000001' });
    expect(apiRequests()).toHaveLength(2);
    fake.requests.length = 0;
    fake.handler = () => ({ delayMs: 400, body: txBody() });
    const started = Date.now();
    const err = (await institution({ timeoutMs: 150, retry: { maxRetries: 0 } })
      .queryOrderById('1')
      .catch((e: unknown) => e)) as WechatPayError;
    expect(err).toMatchObject({ kind: 'timeout', code: 'TIMEOUT' });
    expect(err.outcomeUnknown).toBe(true);
    expect(Date.now() - started).toBeLessThan(390);
  });

  it('times out an answer that stalls mid-body', async () => {
    fake.handler = () => ({ body: txBody(), stallMidBody: true });
    const err = (await institution({ timeoutMs: 200, retry: { maxRetries: 0 } })
      .queryOrderById('1')
      .catch((e: unknown) => e)) as WechatPayError;
    expect(err).toMatchObject({ kind: 'timeout', code: 'TIMEOUT' });
  });

  it('never retries a Quick Pay charge: a timeout is reported once with an unknown outcome', async () => {
    fake.handler = () => ({ delayMs: 400, body: txBody() });
    const err = (await institution({ timeoutMs: 150 })
      .micropayPay(quickPay())
      .catch((e: unknown) => e)) as WechatPayError;
    expect(err).toMatchObject({ kind: 'timeout', attempts: 1 });
    expect(err.message).toMatch(/query/);
    expect(err.outcomeUnknown).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(apiRequests()).toHaveLength(1);
    fake.requests.length = 0;
    fake.handler = () => ({ status: 500, signWith: false, body: '{"code":"SYSTEM_ERROR","message":"x"}' });
    await expect(institution().micropayPay(quickPay())).rejects.toMatchObject({ status: 500, attempts: 1 });
    expect(apiRequests()).toHaveLength(1);
  });

  it('reuses keep-alive connections', async () => {
    fake.handler = () => ({ body: txBody() });
    const c = institution();
    await c.queryOrderById('1');
    await c.queryOrderById('2');
    await c.queryOrderById('3');
    expect(fake.connections).toBe(1);
  });
});

function quickPay() {
  return {
    description: 'POS',
    out_trade_no: 'Q1',
    merchant_category_code: '5812',
    amount: { total: 100, currency: 'HKD' },
    payer: { auth_code: '134650720866361395' },
  };
}

describe('Quick Pay USERPAYING forms', () => {
  it('reports SUCCESS, and USERPAYING as trade_state, as HTTP 202 and as an error code', async () => {
    fake.handler = () => ({ body: txBody() });
    await expect(institution().micropayPay(quickPay())).resolves.toMatchObject({ outcome: 'SUCCESS' });
    expect(JSON.parse(apiRequests()[0]!.body)).toMatchObject({
      trade_type: 'MICROPAY',
      payer: { auth_code: '134650720866361395' },
      sp_appid: 'wx2421b1c4370ec43b',
    });
    fake.handler = () => ({ body: txBody({ trade_state: 'USERPAYING' }) });
    await expect(institution().micropayPay(quickPay())).resolves.toMatchObject({ outcome: 'USERPAYING', via: 'trade_state' });
    fake.handler = () => ({ status: 202, body: '' });
    await expect(institution().micropayPay(quickPay())).resolves.toMatchObject({ outcome: 'USERPAYING', via: 'http_202' });
    fake.handler = () => ({ status: 202, body: '', signWith: false });
    await expect(institution().micropayPay(quickPay())).rejects.toMatchObject({ kind: 'signature' });
    for (const code of ['USERPAYING', 'USER_PAYING']) {
      fake.handler = () => ({ status: 403, signWith: false, body: JSON.stringify({ code, message: 'paying' }) });
      await expect(institution().micropayPay(quickPay())).resolves.toMatchObject({ outcome: 'USERPAYING', via: 'error_code' });
    }
    fake.handler = () => ({ body: txBody({ trade_state: 'PAYERROR' }) });
    await expect(institution().micropayPay(quickPay())).resolves.toMatchObject({ outcome: 'FAILED' });
  });

  it('refuses a malformed auth_code before sending', async () => {
    await expect(institution().micropayPay({ ...quickPay(), payer: { auth_code: '12345' } })).rejects.toMatchObject({
      kind: 'invalid_input',
    });
    expect(apiRequests()).toHaveLength(0);
  });

  it('reverses by out_trade_no with {sp_mchid, sub_mchid}', async () => {
    fake.handler = () => ({ status: 204 });
    await institution().micropayReverse({ out_trade_no: 'Q1' });
    const req = apiRequests()[0]!;
    expect(req.url).toBe('/v3/global/micropay/transactions/out-trade-no/Q1/reverse');
    expect(JSON.parse(req.body)).toEqual({ sp_mchid: '10000100', sub_mchid: '20000100' });
  });
});

describe('statements', () => {
  const csv =
    '交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态\r\n' +
    '`2024-01-02 10:00:00,`wx1,`10000100,`20000100,`,`4200000001,`T1,`o1,`JSAPI,`SUCCESS\r\n' +
    '`2024-01-02 11:00:00,`wx1,`10000100,`20000100,`,`4200000002,`T2,`o2,`JSAPI,`REFUND\r\n';
  const sha1 = createHash('sha1').update(csv).digest('hex');

  it('downloads gzip, checks the SHA-1 header and the signature over {"sha1":...}, and parses rows', async () => {
    fake.handler = (req) => ({
      body: req.headers['accept-encoding']?.includes('gzip') ? gzipSync(csv) : csv,
      headers: { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip', 'Wechatpay-Statement-Sha1': sha1 },
      signedBody: `{"sha1":"${sha1}"}`,
    });
    const st = await institution().downloadStatement({ date: '20240102' });
    expect(apiRequests()[0]!.url).toBe('/v3/global/statements?date=20240102&sp_mchid=10000100&sub_mchid=20000100');
    expect(st.rows).toHaveLength(2);
    expect(st.rows[1]).toMatchObject({ transaction_id: '4200000002', out_trade_no: 'T2', trade_state: 'REFUND' });
    expect(st.sha1).toBe(sha1);
  });

  it('refuses a SHA-1 mismatch, a signature over the CSV, and a missing SHA-1 header', async () => {
    const wrong = createHash('sha1')
      .update(csv + 'x')
      .digest('hex');
    fake.handler = () => ({ body: csv, headers: { 'Wechatpay-Statement-Sha1': wrong }, signedBody: `{"sha1":"${wrong}"}` });
    await expect(direct().downloadStatement({ date: '20240102' })).rejects.toMatchObject({ code: 'STATEMENT_SHA1_MISMATCH' });
    fake.handler = () => ({ body: csv, headers: { 'Wechatpay-Statement-Sha1': sha1 } });
    await expect(direct().downloadStatement({ date: '20240102' })).rejects.toMatchObject({ kind: 'signature' });
    fake.handler = () => ({ body: csv });
    await expect(direct().downloadStatement({ date: '20240102' })).rejects.toBeInstanceOf(WechatPayError);
    expect(apiRequests()[0]!.url).toBe('/v3/global/statements?date=20240102&mchid=1900000109');
  });
});

describe('settlements', () => {
  it('sends valid queries and refuses invalid ones before any request', async () => {
    fake.handler = () => ({
      body: JSON.stringify({
        data: [
          {
            batch_id: 'B1',
            settlement_date: '20240102',
            trade_start_date: '20240101',
            trade_end_date: '20240101',
            amount: { settled: 1, unsettle: 0, currency: 'HKD', net: 1, fee: 0 },
          },
        ],
        total_count: 1,
        offset: 0,
        limit: 10,
      }),
    });
    const c = institution();
    const list = await c.querySettlements({
      settle_state: 'SETTLED',
      settle_start_date: '20240101',
      settle_end_date: '20240102',
      limit: 10,
      offset: 0,
    });
    expect(list.data[0]!.batch_id).toBe('B1');
    expect(apiRequests()[0]!.url).toBe(
      '/v3/global/settle/settlements?settle_state=SETTLED&settle_start_date=20240101&settle_end_date=20240102&offset=0&limit=10',
    );
    const bad = [
      { settle_state: 'SETTLED', limit: 10, offset: 0 },
      { settle_state: 'SETTLED', settle_start_date: '20240105', settle_end_date: '20240101', limit: 10, offset: 0 },
      { settle_state: 'SETTLED', settle_start_date: '2024-01-01', settle_end_date: '20240102', limit: 10, offset: 0 },
      { settle_state: 'SETTLED', settle_start_date: '20240230', settle_end_date: '20240302', limit: 10, offset: 0 },
      { settle_state: 'UNSETTLE', limit: 31, offset: 0 },
      { settle_state: 'UNSETTLE', limit: 0, offset: 0 },
      { settle_state: 'UNSETTLE', limit: 5, offset: -1 },
      { settle_state: 'PENDING', limit: 5, offset: 0 },
    ];
    for (const q of bad) {
      await expect(c.querySettlements(q as never)).rejects.toMatchObject({ kind: 'invalid_input' });
    }
    expect(apiRequests()).toHaveLength(1);
  });
});
