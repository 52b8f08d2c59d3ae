// Contract: the project's WeChat Pay client against the running sandbox process, every endpoint in both
// merchant modes, the real errors, notifications parsed by the client, and certificate rotation while
// requests are in flight.
import { readFileSync } from 'node:fs';
import { createWechatPayClient, isWechatPayError, type WechatPayClient } from '../../server/src/wechatpay';
import { generateRsaKey } from '../../server/sandbox/keys/certificates';
import { startReceiver } from '../support/sandbox-inprocess';
import { startSandboxProcess, type SandboxMerchant, type SandboxProcess } from '../support/sandbox-process';

let sb: SandboxProcess;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  sb = await startSandboxProcess({ timeScale: 0.01, settings: { settlementDelayDays: 0 } });
  receiver = await startReceiver(() => 204);
}, 90000);
afterAll(async () => {
  await receiver?.close();
  await sb?.stop();
});

function clientFor(m: SandboxMerchant, extra: Record<string, unknown> = {}): WechatPayClient {
  const identity =
    m.mode === 'direct'
      ? { mode: 'direct' as const, mchid: m.mchid, appid: m.appid }
      : { mode: 'institution' as const, spMchid: m.mchid, spAppid: m.appid, subMchid: m.subMchid!, subAppid: m.subAppid };
  return createWechatPayClient({
    ...identity,
    merchantSerial: m.serial,
    privateKey: m.privateKeyPem,
    apiV3Key: m.apiV3Key,
    baseUrl: sb.baseUrl,
    ...extra,
  });
}

const waitFor = async <T>(fn: () => Promise<T | undefined> | T | undefined, ms = 15000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};

const caught = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe.each(['direct', 'institution'] as const)('%s mode', (mode) => {
  const tag = mode === 'direct' ? 'D' : 'I';
  let m: SandboxMerchant;
  let client: WechatPayClient;
  beforeAll(() => {
    m = sb.config[mode];
    client = clientFor(m);
  });
  afterAll(() => client.close());

  test('certificates, JSAPI + paySign + cashier, notification, query, close, refunds, statement, settlements', async () => {
    const certs = await client.downloadCertificates();
    expect(certs.map((c) => c.serial)).toContain(sb.config.platformSerial);

    const openid = await sb.admin.openid(`contract-${mode}`, m.miniprogramAppid);
    const no = `C${tag}${Date.now()}`;
    const payer = mode === 'direct' ? { openid } : { sub_openid: openid };
    const { prepay_id, params } = await client.jsapiPrepayWithRequestPayment({
      description: 'Contract tea',
      out_trade_no: no,
      notify_url: receiver.url,
      merchant_category_code: '5812',
      amount: { total: 1000, currency: 'HKD' },
      payer,
      attach: 'contract',
    });
    expect(prepay_id).toMatch(/^wx/);
    expect((await sb.admin.cashierPay({ ...params, openid })).json.errMsg).toBe('requestPayment:ok');

    const paymentEvent = await waitFor(async () => {
      const parsed = await Promise.all(receiver.received.map((r) => client.parseNotification(r.headers as Record<string, string>, r.body)));
      return parsed.find(
        (p) => p.ok && p.event.event_type === 'TRANSACTION.SUCCESS' && (p.event.resource as { out_trade_no?: string }).out_trade_no === no,
      );
    });
    expect(paymentEvent.ok && (paymentEvent.event.resource as { trade_state?: string }).trade_state).toBe('SUCCESS');

    const byNo = await client.queryOrderByOutTradeNo(no);
    expect(byNo).toMatchObject({ out_trade_no: no, trade_state: 'SUCCESS' });
    const txId = (byNo as { id?: string; transaction_id?: string }).transaction_id ?? (byNo as { id?: string }).id!;
    expect((await client.queryOrderById(txId)).trade_state).toBe('SUCCESS');

    const closeErr = await caught(client.closeOrder({ out_trade_no: no }));
    expect(isWechatPayError(closeErr, 'ORDERPAID')).toBe(true);

    const refund = await client.refund({
      out_trade_no: no,
      out_refund_no: `${no}R1`,
      amount: { refund: 400, total: 1000, currency: 'HKD' },
      notify_url: receiver.url,
    });
    expect(refund.out_refund_no).toBe(`${no}R1`);
    const again = await client.refund({
      out_trade_no: no,
      out_refund_no: `${no}R1`,
      amount: { refund: 400, total: 1000, currency: 'HKD' },
      notify_url: receiver.url,
    });
    expect(again.id).toBe(refund.id);
    const over = await caught(
      client.refund({ out_trade_no: no, out_refund_no: `${no}R2`, amount: { refund: 601, total: 1000, currency: 'HKD' } }),
    );
    expect(isWechatPayError(over, 'INVALID_REQUEST')).toBe(true);
    const used = await caught(
      client.refund({ out_trade_no: no, out_refund_no: `${no}R1`, amount: { refund: 300, total: 1000, currency: 'HKD' } }),
    );
    expect(isWechatPayError(used, 'OUT_REFUND_NO_USED')).toBe(true);
    const settled = await waitFor(async () => {
      const r = await client.queryRefundByOutRefundNo(`${no}R1`);
      return r.status === 'SUCCESS' ? r : undefined;
    });
    expect((await client.queryRefundById(settled.id)).status).toBe('SUCCESS');
    const list = await client.listRefunds({ out_trade_no: no, offset: 0, count: 10 });
    expect(list.data).toHaveLength(1);
    expect((await client.queryOrderByOutTradeNo(no)).trade_state).toBe('REFUND');
    await waitFor(async () => {
      const parsed = await Promise.all(receiver.received.map((r) => client.parseNotification(r.headers as Record<string, string>, r.body)));
      return parsed.find(
        (p) =>
          p.ok && p.event.event_type === 'REFUND.SUCCESS' && (p.event.resource as { out_refund_no?: string }).out_refund_no === `${no}R1`,
      );
    });

    const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
    const statement = await client.downloadStatement({ date: day });
    expect(JSON.stringify(statement)).toContain(no);
    const settlements = await client.querySettlements({
      settle_state: 'SETTLED',
      settle_start_date: day,
      settle_end_date: day,
      offset: 0,
      limit: 10,
    });
    expect(settlements.total_count).toBeGreaterThanOrEqual(1);
  });

  test('Quick Pay in each USERPAYING form, reverse, and the real errors', async () => {
    const no = `Q${tag}${Date.now()}`;
    const req = (n: string, code: string) => ({
      description: 'POS',
      out_trade_no: n,
      merchant_category_code: '5812',
      amount: { total: 500, currency: 'HKD' },
      payer: { auth_code: code },
    });
    expect((await client.micropayPay(req(`${no}a`, '134650720866361395'))).outcome).toBe('SUCCESS');
    const up = await client.micropayPay(req(`${no}b`, '134650720866369992'));
    expect(up).toMatchObject({ outcome: 'USERPAYING', via: 'trade_state' });
    await client.queryOrderByOutTradeNo(`${no}b`);
    expect((await client.queryOrderByOutTradeNo(`${no}b`)).trade_state).toBe('SUCCESS');
    expect((await client.micropayPay(req(`${no}c`, '134650720866369980'))).outcome).toBe('FAILED');
    for (const [form, via] of [
      ['202', 'http_202'],
      ['403', 'error_code'],
    ] as const) {
      await sb.admin.faults({ arm: [{ fault: `userpaying:${form}`, path: '/v3/global/micropay/transactions/pay' }] });
      expect(await client.micropayPay(req(`${no}${form}`, '134650720866369990'))).toMatchObject({ outcome: 'USERPAYING', via });
    }
    await client.micropayReverse({ out_trade_no: `${no}202` });
    expect((await client.queryOrderByOutTradeNo(`${no}202`)).trade_state).toBe('REVOKED');

    const missing = await caught(client.queryOrderByOutTradeNo('NO_SUCH_ORDER'));
    expect(missing).toMatchObject({ status: 404 });
    expect(isWechatPayError(missing, 'ORDER_NOT_EXIST')).toBe(true);
    const openid = await sb.admin.openid('dup', m.miniprogramAppid);
    const payer = mode === 'direct' ? { openid } : { sub_openid: openid };
    const base = { description: 'x', out_trade_no: `${no}u`, notify_url: receiver.url, merchant_category_code: '5812', payer };
    await client.jsapiOrder({ ...base, amount: { total: 100, currency: 'HKD' } });
    const dup = await caught(client.jsapiOrder({ ...base, amount: { total: 200, currency: 'HKD' } }));
    expect(isWechatPayError(dup, 'OUT_TRADE_NO_USED')).toBe(true);
  });
});

test('a wrong merchant key gives 401 SIGN_ERROR; 5xx and 429 faults reach the client as such', async () => {
  const m = sb.config.direct;
  const platformPem = readFileSync(sb.config.keys.platform.certificatePath, 'utf8');
  const strangerKey = generateRsaKey().export({ type: 'pkcs8', format: 'pem' }).toString();
  const stranger = clientFor({ ...m, privateKeyPem: strangerKey }, { downloadCertificates: false, platformCertificates: [platformPem] });
  const err = await caught(stranger.queryOrderByOutTradeNo('ANY'));
  expect(err).toMatchObject({ status: 401, code: 'SIGN_ERROR' });
  stranger.close();
  const client = clientFor(m, { retry: { maxAttempts: 1 } });
  await sb.admin.faults({ arm: [{ fault: '500', path: '/v3/global/transactions', times: 5 }] });
  expect(await caught(client.queryOrderByOutTradeNo('ANY'))).toMatchObject({ status: 500, code: 'SYSTEM_ERROR' });
  await fetch(`${sb.baseUrl}/sandbox/faults`, { method: 'DELETE' });
  await sb.admin.faults({ arm: [{ fault: '429', path: '/v3/global/transactions', times: 5 }] });
  expect(await caught(client.queryOrderByOutTradeNo('ANY'))).toMatchObject({ status: 429 });
  await fetch(`${sb.baseUrl}/sandbox/faults`, { method: 'DELETE' });
  client.close();
});

test('the remaining real errors through the client: PARAM_ERROR, NO_AUTH, NOT_ENOUGH, INVALID_REQUEST', async () => {
  const inst = sb.config.institution;
  const client = clientFor(inst);
  const openid = await sb.admin.openid('errors', inst.miniprogramAppid);
  const base = { description: 'x', notify_url: receiver.url, merchant_category_code: '5812', payer: { sub_openid: openid } };
  const param = await caught(client.jsapiOrder({ ...base, out_trade_no: `E${Date.now()}`, amount: { total: 100, currency: 'XXX' } }));
  expect(param).toMatchObject({ status: 400, code: 'PARAM_ERROR' });
  expect((param as { detail: { field: string } }).detail.field).toBe('#/properties/amount/properties/currency');
  const foreign = await caught(client.queryOrderByOutTradeNo('ANY', { sub_mchid: '1234567890' }));
  expect(foreign).toMatchObject({ status: 403, code: 'NO_AUTH' });
  const no = `NE${Date.now()}`;
  const { params } = await client.jsapiPrepayWithRequestPayment({ ...base, out_trade_no: no, amount: { total: 100, currency: 'HKD' } });
  await sb.admin.cashierPay({ ...params, openid });
  await sb.admin.faults({ arm: [{ fault: 'not-enough', path: '/v3/global/refunds' }] });
  const ne = await caught(
    client.refund({ out_trade_no: no, out_refund_no: `${no}R`, amount: { refund: 100, total: 100, currency: 'HKD' } }),
  );
  expect(ne).toMatchObject({ status: 403, code: 'NOT_ENOUGH' });
  // Retried later with the same out_refund_no, as the docs advise, it is accepted.
  expect(
    (await client.refund({ out_trade_no: no, out_refund_no: `${no}R`, amount: { refund: 100, total: 100, currency: 'HKD' } }))
      .out_refund_no,
  ).toBe(`${no}R`);
  const mainland = await caught(
    client.request({ method: 'POST', path: '/v3/pay/transactions/jsapi', body: { sp_mchid: inst.mchid }, idempotent: false }),
  );
  expect(mainland).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  client.close();
});

test('certificate rotation while requests are in flight: publish, overlap, switch, retire', async () => {
  const m = sb.config.institution;
  const client = clientFor(m);
  await client.downloadCertificates();
  const openid = await sb.admin.openid('rotation', m.miniprogramAppid);
  const no = `ROT${Date.now()}`;
  await client.jsapiOrder({
    description: 'x',
    out_trade_no: no,
    notify_url: receiver.url,
    merchant_category_code: '5812',
    payer: { sub_openid: openid },
    amount: { total: 100, currency: 'HKD' },
  });
  // 40 queries spread over 2 s; meanwhile the new certificate is published at once and signs answers
  // 100 simulated seconds later (1 s at this time scale). The client refreshes during the overlap, as a
  // client refreshing its certificates on schedule does.
  const inflight = Array.from({ length: 40 }, (_, i) =>
    new Promise((r) => setTimeout(r, i * 50)).then(() => client.queryOrderByOutTradeNo(no)),
  );
  const rotated = await sb.admin.rotate({ switch_after_seconds: 100, retire_after_seconds: 3600 });
  expect(rotated.current).not.toBe(rotated.new_serial); // published, not yet signing
  expect((await client.downloadCertificates()).map((c) => c.serial)).toEqual(
    expect.arrayContaining([rotated.new_serial, sb.config.platformSerial]),
  );
  const results = await Promise.allSettled(inflight);
  expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  await waitFor(async () => (await sb.admin.get('/sandbox/platform')).current === rotated.new_serial || undefined);
  const signerOfAnAnswer = async () =>
    (
      await client.request({
        method: 'GET',
        path: `/v3/global/transactions/out-trade-no/${no}`,
        query: { sp_mchid: m.mchid, sub_mchid: m.subMchid! },
        idempotent: true,
      })
    ).headers['wechatpay-serial']!;
  // Answers switch to the new key (allowing for an answer that was already being signed at the switch)...
  await waitFor(async () => (await signerOfAnAnswer()) === rotated.new_serial || undefined);
  // ...and stay switched.
  const signers = new Set<string>();
  for (let i = 0; i < 3; i++) signers.add(await signerOfAnAnswer());
  expect([...signers]).toEqual([rotated.new_serial]);
  await sb.admin.post('/sandbox/platform/retire');
  expect((await client.downloadCertificates()).map((c) => c.serial)).toContain(rotated.new_serial);
  expect((await client.queryOrderByOutTradeNo(no)).trade_state).toBe('NOTPAY');
  client.close();
});
