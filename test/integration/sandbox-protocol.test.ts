// The sandbox's protocol, over real HTTP with real crypto and a real database: authentication (checked by a
// signer written here with raw node:crypto), signed answers, certificates, rotation, errors and faults.
import { createPrivateKey, createSign, randomBytes } from 'node:crypto';
import { downloadCertificates, jsapiBody, startInProcessSandbox, verifiesWith, type InProcessSandbox } from '../support/sandbox-inprocess';

let sb: InProcessSandbox;
beforeAll(async () => {
  sb = await startInProcessSandbox();
});
afterAll(async () => {
  await sb.stop();
});

/** An independent signer: a few lines of node:crypto, none of the project's crypto code. */
function rawSigned(
  m: { mchid: string; serial: string; privateKeyPem: string },
  method: string,
  target: string,
  body: string,
  tamper: Partial<{ method: string; target: string; body: string; ts: number; nonce: string }> = {},
) {
  const ts = Math.floor(Date.now() / 1000);
  const nonce = randomBytes(16).toString('hex').toUpperCase();
  const signed = `${tamper.method ?? method}\n${tamper.target ?? target}\n${tamper.ts ?? ts}\n${tamper.nonce ?? nonce}\n${tamper.body ?? body}\n`;
  const signature = createSign('RSA-SHA256').update(signed).sign(createPrivateKey(m.privateKeyPem), 'base64');
  // Pairs in a different order than most SDKs write them: the order must not matter.
  const auth = `WECHATPAY2-SHA256-RSA2048 signature="${signature}",timestamp="${ts}",serial_no="${m.serial}",nonce_str="${nonce}",mchid="${m.mchid}"`;
  return fetch(sb.baseUrl + target, {
    method,
    headers: { Accept: 'application/json', 'User-Agent': 'raw-node-crypto', 'Content-Type': 'application/json', Authorization: auth },
    body: body || undefined,
  });
}

describe('authentication', () => {
  test('a request signed by raw node:crypto is accepted; one changed byte anywhere gives 401 SIGN_ERROR', async () => {
    const m = sb.config.direct;
    const target = `/v3/global/transactions/out-trade-no/NOPE1?mchid=${m.mchid}`;
    const ok = await rawSigned(m, 'GET', target, '');
    expect(ok.status).toBe(404); // authenticated, then the order does not exist
    expect(((await ok.json()) as any).code).toBe('ORDER_NOT_EXIST');

    const closeTarget = `/v3/global/transactions/out-trade-no/NOPE1/close`;
    const body = JSON.stringify({ mchid: m.mchid });
    expect((await rawSigned(m, 'POST', closeTarget, body)).status).toBe(404);
    const tampered = [
      rawSigned(m, 'GET', target, '', { method: 'POST' }),
      rawSigned(m, 'GET', target, '', { target: target.replace('NOPE1', 'NOPE2') }),
      rawSigned(m, 'GET', target, '', { target: target + '&x=1' }),
      rawSigned(m, 'POST', closeTarget, body, { body: body.replace('}', ' }') }),
      rawSigned(m, 'GET', target, '', { ts: Math.floor(Date.now() / 1000) - 1 }),
      rawSigned(m, 'GET', target, '', { nonce: 'X' }),
    ];
    for (const res of await Promise.all(tampered)) {
      expect(res.status).toBe(401);
      const e = (await res.json()) as any;
      expect(e.code).toBe('SIGN_ERROR');
      expect(e.message).toBe('错误的签名，导致验签失败');
      expect(res.headers.get('request-id')).toMatch(/^[0-9A-F]{32}-270283348$/);
    }
  });

  test('malformed header, wrong scheme, unknown serial, stale timestamp each get their own 401 message', async () => {
    const m = sb.config.direct;
    const get = (auth: string) =>
      fetch(`${sb.baseUrl}/v3/global/certificates`, {
        headers: { Accept: 'application/json', 'User-Agent': 't', Authorization: auth },
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as any,
      }));
    const malformed = await get(`WECHATPAY2-SHA256-RSA2048 mchid="${m.mchid}", nonce_str="a"`);
    expect(malformed).toMatchObject({
      status: 401,
      body: { code: 'SIGN_ERROR', message: expect.stringContaining('Authorization值格式错误') },
    });
    const scheme = await get(`WECHATPAY2-SHA256-RSA mchid="${m.mchid}"`);
    expect(scheme.body.message).toContain('认证类型不正确');
    const wrongSerial = await sb.request({ ...m, serial: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' }, 'GET', '/v3/global/certificates');
    expect(wrongSerial.status).toBe(401);
    expect(wrongSerial.json.message).toContain('商户证书序列号有误');
    const stale = await rawSigned(m, 'GET', '/v3/global/certificates', '', { ts: Math.floor(Date.now() / 1000) - 301 });
    expect(stale.status).toBe(401);
    // The timestamp is checked before the signature: this one is stale in the header too.
    const ts = Math.floor(Date.now() / 1000) - 301;
    const sig = createSign('RSA-SHA256')
      .update(`GET\n/v3/global/certificates\n${ts}\nN\n\n`)
      .sign(createPrivateKey(m.privateKeyPem), 'base64');
    const staleBoth = await get(
      `WECHATPAY2-SHA256-RSA2048 mchid="${m.mchid}",nonce_str="N",timestamp="${ts}",serial_no="${m.serial}",signature="${sig}"`,
    );
    expect(staleBoth.body.message).toBe('timestamp 与发起时间相差超过 5 分钟');
    const english = await sb.request({ ...m, serial: '00' }, 'GET', '/v3/global/certificates', undefined, { 'Accept-Language': 'en' });
    expect(english.json.message).toMatch(/serial number is incorrect/);
  });

  test('unknown paths: signed /v3 ones get 404 NOT_FOUND, others a JSON 404', async () => {
    const api = await sb.request(sb.config.direct, 'GET', '/v3/global/nothing-here');
    expect(api).toMatchObject({ status: 404, json: { code: 'NOT_FOUND' } });
    const other = await fetch(`${sb.baseUrl}/sandbox/nothing-here`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { code: string }).code).toBe('NOT_FOUND');
  });

  test('mainland paths answer 400 INVALID_REQUEST', async () => {
    const res = await sb.request(sb.config.direct, 'POST', '/v3/pay/transactions/jsapi', { mchid: sb.config.direct.mchid });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'INVALID_REQUEST', message: '暂不支持境外支付' });
    expect(res.headers.get('request-id')).toMatch(/-268501838$/);
  });
});

describe('signed answers and certificates', () => {
  test('every 2xx verifies with a certificate from /v3/global/certificates, including a 204', async () => {
    const m = sb.config.direct;
    const certs = await downloadCertificates(sb.baseUrl, m);
    expect([...certs.keys()]).toEqual([sb.config.platformSerial]);
    expect([...certs.keys()][0]).toMatch(/^[0-9A-F]{40}$/);
    const openid = await sb.admin.openid('alice');
    const order = await sb.request(m, 'POST', '/v3/global/transactions/jsapi', jsapiBody(m, 'SIGNED1', openid));
    expect(order.status).toBe(200);
    expect(verifiesWith(certs, order.headers, order.text)).toBe(true);
    expect(verifiesWith(certs, order.headers, order.text + ' ')).toBe(false);
    await sb.admin.post('/sandbox/orders/backdate', { out_trade_no: 'SIGNED1', seconds: 301 });
    const closed = await sb.request(m, 'POST', '/v3/global/transactions/out-trade-no/SIGNED1/close', { mchid: m.mchid });
    expect(closed.status).toBe(204);
    expect(closed.text).toBe('');
    expect(verifiesWith(certs, closed.headers, '')).toBe(true);
  });

  test('rotation: the new certificate is published, answers switch to it, the old one is retired', async () => {
    const m = sb.config.institution;
    const before = await downloadCertificates(sb.baseUrl, m);
    const rotated = await sb.admin.rotate({ switch_after_seconds: 0, retire_after_seconds: 3600 });
    const after = await downloadCertificates(sb.baseUrl, m);
    expect(after.size).toBe(2);
    expect(after.has(rotated.new_serial)).toBe(true);
    const res = await sb.request(m, 'GET', `/v3/global/transactions/out-trade-no/NONE?sp_mchid=${m.mchid}&sub_mchid=${m.subMchid}`);
    expect(res.status).toBe(404);
    const ok = await sb.request(m, 'GET', '/v3/global/certificates');
    expect(ok.headers.get('wechatpay-serial')).toBe(rotated.new_serial);
    expect(verifiesWith(before, ok.headers, ok.text)).toBe(false); // a client with only the old list must refresh
    expect(verifiesWith(after, ok.headers, ok.text)).toBe(true);
    await sb.admin.post('/sandbox/platform/retire');
    expect([...(await downloadCertificates(sb.baseUrl, m)).keys()]).toEqual([rotated.new_serial]);
  });
});

describe('faults', () => {
  test('per-request header: 500, 429, SIGNTEST, stale timestamp, 500 after the work was done', async () => {
    const m = sb.config.direct;
    const certs = await downloadCertificates(sb.baseUrl, m);
    const e500 = await sb.request(m, 'GET', '/v3/global/certificates', undefined, { 'X-Sandbox-Fault': '500' });
    expect(e500).toMatchObject({ status: 500, json: { code: 'SYSTEM_ERROR' } });
    const e429 = await sb.request(m, 'GET', '/v3/global/certificates', undefined, { 'X-Sandbox-Fault': '429' });
    expect(e429).toMatchObject({ status: 429, json: { code: 'FREQUENCY_LIMITED' } });
    const probe = await sb.request(m, 'GET', '/v3/global/certificates', undefined, { 'X-Sandbox-Fault': 'signtest' });
    expect(probe.status).toBe(200);
    expect(probe.headers.get('wechatpay-signature')).toMatch(/^WECHATPAY\/SIGNTEST\//);
    expect(verifiesWith(certs, probe.headers, probe.text)).toBe(false);
    const stale = await sb.request(m, 'GET', '/v3/global/certificates', undefined, { 'X-Sandbox-Fault': 'stale-timestamp' });
    expect(Math.floor(Date.now() / 1000) - Number(stale.headers.get('wechatpay-timestamp'))).toBeGreaterThan(300);
    expect(verifiesWith(certs, stale.headers, stale.text)).toBe(true);
    const openid = await sb.admin.openid('bob');
    const after = await sb.request(m, 'POST', '/v3/global/transactions/jsapi', jsapiBody(m, 'FAULT500A', openid), {
      'X-Sandbox-Fault': '500-after',
    });
    expect(after.status).toBe(500);
    const q = await sb.request(m, 'GET', `/v3/global/transactions/out-trade-no/FAULT500A?mchid=${m.mchid}`);
    expect(q.json.trade_state).toBe('NOTPAY'); // the order exists although the answer was an error
    const unknown = await sb.request(m, 'GET', '/v3/global/certificates', undefined, { 'X-Sandbox-Fault': 'explode' });
    expect(unknown.status).toBe(400);
  });

  test('the query flag works like the header', async () => {
    const res = await sb.request(sb.config.direct, 'GET', '/v3/global/certificates?sandbox_fault=503');
    expect(res).toMatchObject({ status: 503, json: { code: 'SERVICE_UNAVAILABLE' } });
  });

  test('armed once by the admin API, then gone', async () => {
    const m = sb.config.direct;
    await sb.admin.faults({ arm: [{ fault: '503', path: '/v3/global/certificates' }] });
    expect((await sb.request(m, 'GET', '/v3/global/certificates')).status).toBe(503);
    expect((await sb.request(m, 'GET', '/v3/global/certificates')).status).toBe(200);
  });

  test('by rate: a rate of 1 fails every request until the rates are cleared', async () => {
    const m = sb.config.direct;
    await sb.admin.faults({ rates: { error429: 1 } });
    const codes = await Promise.all([1, 2, 3].map(() => sb.request(m, 'GET', '/v3/global/certificates').then((r) => r.status)));
    expect(codes).toEqual([429, 429, 429]);
    await fetch(`${sb.baseUrl}/sandbox/faults`, { method: 'DELETE' });
    expect((await sb.request(m, 'GET', '/v3/global/certificates')).status).toBe(200);
  });

  test('delay holds the answer', async () => {
    const started = Date.now();
    const res = await sb.request(sb.config.direct, 'GET', '/v3/global/certificates', undefined, { 'X-Sandbox-Fault': 'delay:400' });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });
});
