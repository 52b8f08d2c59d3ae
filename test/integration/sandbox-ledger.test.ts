// The sandbox's ledger through its API, in both merchant modes: orders, the cashier and its paySign rule,
// payment and refund notifications (decrypted and verified here), refunds and their rules, Quick Pay,
// statements, settlements and jscode2session.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWechatPayClient } from '../../server/src/wechatpay';
import { decryptAesGcm } from '../../server/src/wechatpay/crypto';
import { requestPaymentParams, signedHeaders } from '../support/sandbox-process';
import {
  downloadCertificates,
  jsapiBody,
  startInProcessSandbox,
  startReceiver,
  verifiesWith,
  type InProcessSandbox,
} from '../support/sandbox-inprocess';

let sb: InProcessSandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
// A short refund settlement so REFUND.* notifications arrive within the test.
beforeAll(async () => {
  sb = await startInProcessSandbox({ settings: { refundSettleDelaySeconds: 0.2, settlementDelayDays: 0 } });
  receiver = await startReceiver(() => 204);
});
afterAll(async () => {
  await receiver.close();
  await sb.stop();
});

const waitFor = async <T>(fn: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};

const notificationsFor = (outTradeNo: string, type: string) =>
  receiver.received.filter(
    (r) =>
      r.body.includes(type) && decrypted(r.body, sb.config.direct.apiV3Key, sb.config.institution.apiV3Key)?.out_trade_no === outTradeNo,
  );

function decrypted(body: string, ...keys: string[]): Record<string, any> | undefined {
  const env = JSON.parse(body);
  for (const k of keys) {
    try {
      return JSON.parse(decryptAesGcm(k, env.resource.nonce, env.resource.associated_data, env.resource.ciphertext));
    } catch {
      /* other merchant's key */
    }
  }
  return undefined;
}

async function placeAndPay(mode: 'direct' | 'institution', outTradeNo: string, total = 2500) {
  const m = sb.config[mode];
  const user = `user-${outTradeNo}`;
  const openid = await sb.admin.openid(user, m.miniprogramAppid);
  const res = await sb.request(
    m,
    'POST',
    '/v3/global/transactions/jsapi',
    jsapiBody(m, outTradeNo, openid, { notify_url: receiver.url, amount: { total, currency: 'HKD' } }),
  );
  expect(res.status).toBe(200);
  const params = requestPaymentParams(m, m.miniprogramAppid, res.json.prepay_id);
  const paid = await sb.admin.cashierPay({ ...params, openid, action: 'pay' });
  expect(paid).toMatchObject({ status: 200, json: { errMsg: 'requestPayment:ok' } });
  return { m, openid, prepayId: res.json.prepay_id as string };
}

describe('JSAPI orders and the cashier', () => {
  test('same parameters give the same prepay_id; different ones OUT_TRADE_NO_USED; validation details', async () => {
    const m = sb.config.direct;
    const openid = await sb.admin.openid('carol');
    const a = await sb.request(m, 'POST', '/v3/global/transactions/jsapi', jsapiBody(m, 'IDEM1', openid));
    const b = await sb.request(m, 'POST', '/v3/global/transactions/jsapi', jsapiBody(m, 'IDEM1', openid));
    expect(a.json.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{20}$/);
    expect(b.json.prepay_id).toBe(a.json.prepay_id);
    const c = await sb.request(
      m,
      'POST',
      '/v3/global/transactions/jsapi',
      jsapiBody(m, 'IDEM1', openid, { amount: { total: 2600, currency: 'HKD' } }),
    );
    expect(c).toMatchObject({ status: 403, json: { code: 'OUT_TRADE_NO_USED' } });
    const bad = await sb.request(
      m,
      'POST',
      '/v3/global/transactions/jsapi',
      jsapiBody(m, 'IDEM2', openid, { amount: { total: 1.5, currency: 'HKD' } }),
    );
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      code: 'PARAM_ERROR',
      detail: { field: '#/properties/amount/properties/total', value: 1.5, location: 'body' },
    });
    const missing = await sb.request(m, 'POST', '/v3/global/transactions/jsapi', {
      ...jsapiBody(m, 'IDEM3', openid),
      description: undefined,
    });
    expect(missing.json.detail).toMatchObject({ field: '#/properties/description', issue: 'required' });
    const wrongApp = await sb.request(m, 'POST', '/v3/global/transactions/jsapi', {
      ...jsapiBody(m, 'IDEM4', openid),
      appid: 'wx0000000000000000',
    });
    expect(wrongApp).toMatchObject({ status: 400, json: { code: 'APPID_MCHID_NOT_MATCH' } });
    const httpNotify = await sb.request(
      m,
      'POST',
      '/v3/global/transactions/jsapi',
      jsapiBody(m, 'IDEM5', openid, { notify_url: 'http://merchant.example/n' }),
    );
    expect(httpNotify.json.detail.field).toBe('#/properties/notify_url');
  });

  test('a new order is stored exactly as the mongoose model would store it (written by the driver, not hydrated)', async () => {
    const m = sb.config.direct;
    const openid = await sb.admin.openid('dora');
    const full = jsapiBody(m, 'RAW1', openid, {
      attach: 'a',
      goods_tag: 'g',
      scene_info: { payer_client_ip: '203.0.113.7', device_id: 'till-1' },
      detail: { cost_price: 2500, goods_detail: [{ goods_id: 'egg-tart', quantity: 1, price: 2500 }] },
    });
    for (const body of [full, jsapiBody(m, 'RAW2', openid)]) {
      expect((await sb.request(m, 'POST', '/v3/global/transactions/jsapi', body)).status).toBe(200);
    }
    const Order = sb.app.sandbox.models.Order;
    for (const no of ['RAW1', 'RAW2']) {
      const raw = await Order.collection.findOne({ out_trade_no: no });
      expect(raw).not.toBeNull();
      expect(Object.values(raw!)).not.toContain(null);
      // What mongoose's create would have written for the same order: same keys, same values.
      const modelled = new Order(raw).toObject({ depopulate: true });
      expect(Object.keys(raw!).sort()).toEqual(Object.keys(modelled).sort());
      expect(raw).toEqual(modelled);
    }
  });

  test('paySign is checked with the appId rule; pay sends a verified TRANSACTION.SUCCESS; query and close follow', async () => {
    const m = sb.config.direct;
    const openid = await sb.admin.openid('dave');
    const res = await sb.request(
      m,
      'POST',
      '/v3/global/transactions/jsapi',
      jsapiBody(m, 'PAY1', openid, { notify_url: receiver.url, attach: 'cart=7' }),
    );
    const forged = requestPaymentParams(m, 'wx1111111111111111', res.json.prepay_id);
    expect((await sb.admin.cashierPay({ ...forged, openid })).json.code).toBe('PAYSIGN_INVALID');
    const params = requestPaymentParams(m, m.appid, res.json.prepay_id);
    expect((await sb.admin.cashierPay({ ...params, openid: 'o-someone-else' })).status).toBe(403);
    expect((await sb.admin.cashierPay({ ...params, openid, action: 'cancel' })).json.errMsg).toBe('requestPayment:fail cancel');
    expect((await sb.admin.cashierPay({ ...params, appId: m.appid, openid, action: 'pay' })).json.errMsg).toBe('requestPayment:ok');
    expect((await sb.admin.cashierPay({ ...params, openid })).json.code).toBe('ORDERPAID');

    const note = await waitFor(() => notificationsFor('PAY1', 'TRANSACTION.SUCCESS')[0]);
    const certs = await downloadCertificates(sb.baseUrl, m);
    expect(verifiesWith(certs, note.headers, note.body)).toBe(true);
    expect(note.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
    const env = JSON.parse(note.body);
    expect(env).toMatchObject({
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      resource: { algorithm: 'AEAD_AES_256_GCM', original_type: 'transaction' },
    });
    expect(env.create_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/); // RFC 3339 by default
    const plain = decrypted(note.body, m.apiV3Key)!;
    expect(plain).toMatchObject({
      mchid: m.mchid,
      appid: m.appid,
      out_trade_no: 'PAY1',
      trade_state: 'SUCCESS',
      attach: 'cart=7',
      payer: { openid },
    });
    expect(plain.amount).toMatchObject({
      total: 2500,
      currency: 'HKD',
      payer_currency: 'CNY',
      payer_total: 2300,
      exchange_rate: { type: 'SETTLEMENT_RATE', rate: 92000000 },
    });

    const q = await sb.request(m, 'GET', `/v3/global/transactions/id/${plain.id}?mchid=${m.mchid}`);
    expect(q.json).toMatchObject({ id: plain.id, trade_state: 'SUCCESS', out_trade_no: 'PAY1' });
    const close = await sb.request(m, 'POST', '/v3/global/transactions/out-trade-no/PAY1/close', { mchid: m.mchid });
    expect(close).toMatchObject({ status: 403, json: { code: 'ORDERPAID' } });
    const again = await sb.request(
      m,
      'POST',
      '/v3/global/transactions/jsapi',
      jsapiBody(m, 'PAY1', openid, { notify_url: receiver.url, attach: 'cart=7' }),
    );
    expect(again.json.code).toBe('ORDERPAID');
  });

  test('close is refused for 5 minutes after creation, then closes; the prepay expires after 2 h', async () => {
    const m = sb.config.direct;
    const openid = await sb.admin.openid('erin');
    const res = await sb.request(m, 'POST', '/v3/global/transactions/jsapi', jsapiBody(m, 'CLOSE1', openid));
    expect((await sb.request(m, 'POST', '/v3/global/transactions/out-trade-no/CLOSE1/close', { mchid: m.mchid })).json.code).toBe(
      'RULE_LIMIT',
    );
    await sb.admin.post('/sandbox/orders/backdate', { out_trade_no: 'CLOSE1', seconds: 7200 });
    const params = requestPaymentParams(m, m.appid, res.json.prepay_id);
    expect((await sb.admin.cashierPay({ ...params, openid })).json.code).toBe('PREPAY_EXPIRED');
    expect((await sb.request(m, 'POST', '/v3/global/transactions/out-trade-no/CLOSE1/close', { mchid: m.mchid })).status).toBe(204);
    const q = await sb.request(m, 'GET', `/v3/global/transactions/out-trade-no/CLOSE1?mchid=${m.mchid}`);
    expect(q.json.trade_state).toBe('CLOSED');
  });

  test('institution mode: sub_openid payer, paySign made with sub_appid, NO_AUTH for a foreign sub_mchid', async () => {
    const { m } = await placeAndPay('institution', 'INST1');
    const q = await sb.request(m, 'GET', `/v3/global/transactions/out-trade-no/INST1?sp_mchid=${m.mchid}&sub_mchid=${m.subMchid}`);
    expect(q.json).toMatchObject({ sp_mchid: m.mchid, sub_mchid: m.subMchid, sub_appid: m.subAppid, trade_state: 'SUCCESS' });
    const foreign = await sb.request(m, 'GET', `/v3/global/transactions/out-trade-no/INST1?sp_mchid=${m.mchid}&sub_mchid=1234567890`);
    expect(foreign).toMatchObject({ status: 403, json: { code: 'NO_AUTH' } });
    const note = await waitFor(() => notificationsFor('INST1', 'TRANSACTION.SUCCESS')[0]);
    expect(decrypted(note.body, m.apiV3Key)).toMatchObject({
      sp_mchid: m.mchid,
      sub_mchid: m.subMchid,
      payer: { sub_openid: expect.any(String) },
    });
  });
});

describe('refunds', () => {
  test('partial refunds up to the total, idempotent out_refund_no, REFUND state, REFUND.SUCCESS notifications', async () => {
    const { m } = await placeAndPay('direct', 'REF1', 1000);
    const refund = (no: string, amt: number) =>
      sb.request(m, 'POST', '/v3/global/refunds', {
        mchid: m.mchid,
        out_trade_no: 'REF1',
        out_refund_no: no,
        notify_url: receiver.url,
        amount: { refund: amt, total: 1000, currency: 'HKD' },
      });
    const r1 = await refund('R1', 600);
    expect(r1.status).toBe(200);
    expect(r1.json).toMatchObject({ out_refund_no: 'R1', amount: { refund: 600, currency: 'HKD' } });
    expect(r1.json.status).toBeUndefined();
    expect((await refund('R1', 600)).json.id).toBe(r1.json.id);
    expect((await refund('R1', 500)).json.code).toBe('OUT_REFUND_NO_USED');
    expect(await refund('R2', 401)).toMatchObject({ status: 400, json: { code: 'INVALID_REQUEST' } });
    expect((await refund('R3', 400)).status).toBe(200);
    const q = await sb.request(m, 'GET', `/v3/global/transactions/out-trade-no/REF1?mchid=${m.mchid}`);
    expect(q.json.trade_state).toBe('REFUND');
    const notes = await waitFor(() => {
      const n = notificationsFor('REF1', 'REFUND.SUCCESS');
      return n.length === 2 ? n : undefined;
    });
    const plain = notes.map((n) => decrypted(n.body, m.apiV3Key)!).sort((a, b) => a.out_refund_no.localeCompare(b.out_refund_no));
    expect(plain[0]).toMatchObject({ out_refund_no: 'R1', refund_status: 'SUCCESS', refund_id: r1.json.id, transaction_id: q.json.id });
    const one = await sb.request(m, 'GET', `/v3/global/refunds/out-refund-no/R1?mchid=${m.mchid}`);
    expect(one.json).toMatchObject({ id: r1.json.id, status: 'SUCCESS', out_trade_no: 'REF1' });
    const all = await sb.request(m, 'GET', `/v3/global/refunds?out_trade_no=REF1&offset=0&count=1&mchid=${m.mchid}`);
    expect(all.json).toMatchObject({ total_num: 2, current_total_num: 1, out_trade_no: 'REF1' });
    expect((await sb.request(m, 'GET', `/v3/global/refunds?out_trade_no=REF1&offset=0&count=21&mchid=${m.mchid}`)).status).toBe(400);
  });

  test('refunds of an unpaid order are refused; NOT_ENOUGH on request; a closed refund gives its amount back', async () => {
    const m = sb.config.direct;
    const openid = await sb.admin.openid('frank');
    await sb.request(m, 'POST', '/v3/global/transactions/jsapi', jsapiBody(m, 'REF2', openid));
    const unpaid = await sb.request(m, 'POST', '/v3/global/refunds', {
      mchid: m.mchid,
      out_trade_no: 'REF2',
      out_refund_no: 'R2A',
      amount: { refund: 1, total: 2500, currency: 'HKD' },
    });
    expect(unpaid.json.code).toBe('INVALID_REQUEST');
    await placeAndPay('direct', 'REF3', 1000);
    const body = (no: string, amt: number, reason?: string) => ({
      mchid: m.mchid,
      out_trade_no: 'REF3',
      out_refund_no: no,
      reason,
      notify_url: receiver.url,
      amount: { refund: amt, total: 1000, currency: 'HKD' },
    });
    const ne = await sb.request(m, 'POST', '/v3/global/refunds', body('R3A', 1000), { 'X-Sandbox-Fault': 'not-enough' });
    expect(ne).toMatchObject({ status: 403, json: { code: 'NOT_ENOUGH' } });
    expect((await sb.request(m, 'POST', '/v3/global/refunds', body('R3A', 1000, 'sandbox:refund-closed'))).status).toBe(200);
    const closed = await waitFor(() => notificationsFor('REF3', 'REFUND.CLOSED')[0]);
    expect(decrypted(closed.body, m.apiV3Key)).toMatchObject({ refund_status: 'CLOSED', out_refund_no: 'R3A' });
    expect((await sb.request(m, 'GET', `/v3/global/refunds/out-refund-no/R3A?mchid=${m.mchid}`)).json.status).toBe('REFUNDCLOSE');
    expect((await sb.request(m, 'POST', '/v3/global/refunds', body('R3B', 1000))).status).toBe(200);
  });
});

describe('concurrency', () => {
  test('concurrent refunds never exceed the total; concurrent identical orders give one prepay_id', async () => {
    const { m } = await placeAndPay('direct', 'RACE1', 1000);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        sb.request(m, 'POST', '/v3/global/refunds', {
          mchid: m.mchid,
          out_trade_no: 'RACE1',
          out_refund_no: `RACE1R${i}`,
          amount: { refund: 300, total: 1000, currency: 'HKD' },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status !== 200).every((r) => r.json.code === 'INVALID_REQUEST')).toBe(true);
    const list = await sb.request(m, 'GET', `/v3/global/refunds?out_trade_no=RACE1&offset=0&count=20&mchid=${m.mchid}`);
    expect(list.json.total_num).toBe(3);

    const openid = await sb.admin.openid('racer');
    const orders = await Promise.all(
      Array.from({ length: 8 }, () => sb.request(m, 'POST', '/v3/global/transactions/jsapi', jsapiBody(m, 'RACE2', openid))),
    );
    expect(orders.every((o) => o.status === 200)).toBe(true);
    expect(new Set(orders.map((o) => o.json.prepay_id)).size).toBe(1);
  });
});

describe('Quick Pay', () => {
  const pay = (no: string, authCode: string, headers?: Record<string, string>) => {
    const m = sb.config.direct;
    return sb.request(
      m,
      'POST',
      '/v3/global/micropay/transactions/pay',
      {
        mchid: m.mchid,
        appid: m.appid,
        description: 'POS',
        out_trade_no: no,
        trade_type: 'MICROPAY',
        merchant_category_code: '5812',
        payer: { auth_code: authCode },
        amount: { total: 800, currency: 'HKD' },
      },
      headers,
    );
  };
  const query = (no: string) =>
    sb.request(sb.config.direct, 'GET', `/v3/global/transactions/out-trade-no/${no}?mchid=${sb.config.direct.mchid}`);

  test('auth_code patterns: success, USERPAYING then success after N queries, failure, invalid code', async () => {
    expect((await pay('QP1', '134650720866361395')).json).toMatchObject({ trade_state: 'SUCCESS', trade_type: 'MICROPAY' });
    const up = await pay('QP2', '134650720866369992');
    expect(up.json.trade_state).toBe('USERPAYING');
    expect((await query('QP2')).json.trade_state).toBe('USERPAYING');
    expect((await query('QP2')).json.trade_state).toBe('SUCCESS');
    expect((await pay('QP3', '134650720866369980')).json.trade_state).toBe('PAYERROR');
    expect((await pay('QP4', '994650720866369980')).json.detail.field).toBe('#/properties/payer/properties/auth_code');
    const f202 = await pay('QP5', '134650720866369990', { 'X-Sandbox-Fault': 'userpaying:202' });
    expect(f202).toMatchObject({ status: 202, json: { code: 'USERPAYING' } });
    expect(f202.headers.get('wechatpay-signature')).toBeTruthy();
    expect((await pay('QP6', '134650720866369990', { 'X-Sandbox-Fault': 'userpaying:403' })).status).toBe(403);
  });

  test('USERPAYING until reversed; reverse gives REVOKED; reverse after the day is refused', async () => {
    const m = sb.config.direct;
    await pay('QP7', '134650720866369990');
    for (let i = 0; i < 3; i++) expect((await query('QP7')).json.trade_state).toBe('USERPAYING');
    const rev = await sb.request(m, 'POST', '/v3/global/micropay/transactions/out-trade-no/QP7/reverse', { mchid: m.mchid });
    expect(rev.status).toBe(204);
    expect((await query('QP7')).json.trade_state).toBe('REVOKED');
    await pay('QP8', '134650720866361395');
    await sb.admin.post('/sandbox/orders/backdate', { out_trade_no: 'QP8', seconds: 86400 });
    const late = await sb.request(m, 'POST', '/v3/global/micropay/transactions/out-trade-no/QP8/reverse', { mchid: m.mchid });
    expect(late).toMatchObject({ status: 403, json: { code: 'RULE_LIMIT' } });
    expect(late.headers.get('request-id')).toMatch(/-268449386$/);
  });
});

describe('statements, settlements, jscode2session', () => {
  test('a day\'s statement: 38 columns, backtick fields, SHA-1 header, signature over {"sha1":...}, gzip', async () => {
    const { m } = await placeAndPay('direct', 'STMT1', 1234);
    const certs = await downloadCertificates(sb.baseUrl, m);
    const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
    const res = await sb.request(m, 'GET', `/v3/global/statements?date=${day}&mchid=${m.mchid}`, undefined, {
      'Accept-Encoding': 'identity',
    });
    expect(res.status).toBe(200);
    const sha1 = res.headers.get('wechatpay-statement-sha1')!;
    expect(createHash('sha1').update(res.text).digest('hex')).toBe(sha1);
    expect(verifiesWith(certs, res.headers, `{"sha1":"${sha1}"}`)).toBe(true);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]!.split(',')).toHaveLength(38);
    const row = lines.find((l) => l.includes('`STMT1'))!.split(',');
    expect(row).toHaveLength(38);
    expect(row.every((f) => f.startsWith('`'))).toBe(true);
    expect(row[24]).toBe('`12.34');

    const gz = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      // node:http so the gzip bytes arrive as sent
      const target = `/v3/global/statements?date=${day}&mchid=${m.mchid}`;
      const req = httpRequest(sb.baseUrl + target, { headers: { ...signedHeaders(m, 'GET', target), 'Accept-Encoding': 'gzip' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ headers: r.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString('utf8')).toBe(res.text);
    expect((await sb.request(m, 'GET', `/v3/global/statements?date=20991301&mchid=${m.mchid}`)).status).toBe(400);
  });

  test('settlements: validation, paging, amounts from the ledger', async () => {
    const m = sb.config.direct;
    const bad = await sb.request(m, 'GET', '/v3/global/settle/settlements?settle_state=SETTLED&limit=5&offset=0');
    expect(bad.json).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '#/properties/settle_start_date' } });
    expect((await sb.request(m, 'GET', '/v3/global/settle/settlements?settle_state=UNSETTLE&limit=31&offset=0')).status).toBe(400);
    const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
    const ok = await sb.request(
      m,
      'GET',
      `/v3/global/settle/settlements?settle_state=SETTLED&settle_start_date=${day}&settle_end_date=${day}&limit=5&offset=0`,
    );
    expect(ok.status).toBe(200);
    expect(ok.json.total_count).toBeGreaterThanOrEqual(1);
    const hkd = ok.json.data.find((d: { amount: { currency: string } }) => d.amount.currency === 'HKD');
    expect(hkd.batch_id).toMatch(new RegExp(`^${day}\\d{3}$`));
    expect(hkd.amount.net).toBe(hkd.amount.settled + hkd.amount.fee);
  });

  test('settlements: queries share the sum in progress, however long it takes; a finished sum serves for two seconds', async () => {
    const m = sb.config.direct;
    const path = '/v3/global/settle/settlements?settle_state=UNSETTLE&limit=5&offset=0';
    await sleep(2100); // let any sum from the test above expire
    const Order = sb.app.sandbox.models.Order;
    const original = Order.find.bind(Order);
    // The real query, made slow (a large ledger under load): every call is counted.
    const find = jest.spyOn(Order, 'find').mockImplementation(((...args: Parameters<typeof Order.find>) => {
      const q = original(...args);
      const exec = q.exec.bind(q);
      q.exec = (async () => {
        await sleep(2500);
        return exec();
      }) as typeof q.exec;
      return q;
    }) as typeof Order.find);
    try {
      const first = sb.request(m, 'GET', path);
      await sleep(1200);
      const during = await Promise.all([first, ...Array.from({ length: 8 }, () => sb.request(m, 'GET', path))]);
      expect(during.map((a) => a.status)).toEqual(Array(9).fill(200));
      expect(new Set(during.map((a) => JSON.stringify(a.json))).size).toBe(1);
      expect(find).toHaveBeenCalledTimes(1);
      expect((await sb.request(m, 'GET', path)).status).toBe(200); // just after: the finished sum serves
      expect(find).toHaveBeenCalledTimes(1);
      await sleep(2100);
      find.mockRestore();
      const again = jest.spyOn(Order, 'find');
      expect((await sb.request(m, 'GET', path)).status).toBe(200);
      expect(again).toHaveBeenCalledTimes(1);
      again.mockRestore();
    } finally {
      find.mockRestore();
    }
  });

  test('jscode2session: a minted code gives a stable openid once; bad and reused codes get errcode', async () => {
    const m = sb.config.direct;
    const call = async (code: string, secret = m.appSecret) =>
      (
        await fetch(`${sb.baseUrl}/sns/jscode2session?appid=${m.appid}&secret=${secret}&js_code=${code}&grant_type=authorization_code`)
      ).json() as any;
    const c1 = await sb.admin.loginCode('gina');
    const s1 = await call(c1);
    expect(s1.openid).toBe(await sb.admin.openid('gina'));
    expect(s1.openid).toHaveLength(28);
    expect(s1.session_key).toBeTruthy();
    expect((await call(c1)).errcode).toBe(40163);
    expect((await call('not-a-code')).errcode).toBe(40029);
    expect((await call(await sb.admin.loginCode('gina'), 'wrong')).errcode).toBe(40125);
    expect((await call(await sb.admin.loginCode('gina'))).openid).toBe(s1.openid);
  });
});

/** A second sandbox with its own settings, a notification receiver and a client of its direct merchant. */
async function withSandbox(
  settings: Record<string, unknown>,
  fn: (t: {
    other: InProcessSandbox;
    m: InProcessSandbox['config']['direct'];
    rx: Awaited<ReturnType<typeof startReceiver>>;
    client: ReturnType<typeof createWechatPayClient>;
    pay(outTradeNo: string, total: number): Promise<void>;
  }) => Promise<void>,
): Promise<void> {
  const other = await startInProcessSandbox({ settings });
  const rx = await startReceiver(() => 204);
  const m = other.config.direct;
  const client = createWechatPayClient({
    mode: 'direct',
    mchid: m.mchid,
    appid: m.appid,
    merchantSerial: m.serial,
    privateKey: m.privateKeyPem,
    apiV3Key: m.apiV3Key,
    baseUrl: other.baseUrl,
  });
  const pay = async (outTradeNo: string, total: number) => {
    const openid = await other.admin.openid(`payer-${outTradeNo}`);
    const { params } = await client.jsapiPrepayWithRequestPayment({
      description: 'x',
      out_trade_no: outTradeNo,
      notify_url: rx.url,
      merchant_category_code: '5812',
      amount: { total, currency: 'HKD' },
      payer: { openid },
    });
    await other.admin.cashierPay({ ...params, openid });
  };
  try {
    await fn({ other, m, rx, client, pay });
  } finally {
    client.close();
    await rx.close();
    await other.stop();
  }
}

test('notificationAssociatedData "empty": the resource has AAD "" (as the seed shows) and the client still opens it', () =>
  withSandbox({ notificationAssociatedData: 'empty' }, async ({ rx, client, pay }) => {
    await pay('AAD1', 100);
    const note = await waitFor(() => rx.received[0]);
    expect(JSON.parse(note.body).resource.associated_data).toBe('');
    const parsed = await client.parseNotification(note.headers as Record<string, string>, note.body);
    expect(parsed.ok && (parsed.event.resource as { out_trade_no?: string }).out_trade_no).toBe('AAD1');
  }));

test('refundMinIntervalSeconds: a second refund of one order too soon is 429 FREQUENCY_LIMITED and changes nothing', () =>
  withSandbox({ refundMinIntervalSeconds: 1 }, async ({ other, m, pay }) => {
    await pay('GAP1', 1000);
    const refund = (no: string, amt: number) =>
      other.request(m, 'POST', '/v3/global/refunds', {
        mchid: m.mchid,
        out_trade_no: 'GAP1',
        out_refund_no: no,
        amount: { refund: amt, total: 1000, currency: 'HKD' },
      });
    const refundable = async () => (await other.admin.get('/sandbox/orders?out_trade_no=GAP1')).data[0].refundable as number;
    expect((await refund('GAP1A', 100)).status).toBe(200);
    expect(await refund('GAP1B', 100)).toMatchObject({ status: 429, json: { code: 'FREQUENCY_LIMITED' } });
    expect(await refund('GAP1C', 5000)).toMatchObject({ status: 400, json: { code: 'INVALID_REQUEST' } }); // never possible: said so
    expect(await refundable()).toBe(900);
    expect((await other.request(m, 'GET', `/v3/global/refunds/out-refund-no/GAP1B?mchid=${m.mchid}`)).json.code).toBe(
      'RESOURCE_NOT_EXISTS',
    );
    await sleep(1100);
    expect((await refund('GAP1B', 100)).status).toBe(200); // the same out_refund_no, later: accepted
    expect((await refund('GAP1A', 100)).status).toBe(200); // a repeat of an accepted one is not a new refund
    expect(await refundable()).toBe(800);
  }));
