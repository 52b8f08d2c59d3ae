// The field groups WeChat Pay Global sends that only some merchants or situations see, produced by the sandbox
// process on request and read through the client library: payer amounts and exchange rate, promotion_detail
// from a configured discount, NOT_ENOUGH from an empty refund balance and refunds from recharged funds, a
// refund made in the merchant platform, RULE_LIMIT on an early close, wallet_region and split_amount in
// settlements, the payment notification's create_time in both forms, and the shared field limits.
import { toPayerAmount, exchangeRate } from '../../server/sandbox/ledger/money';
import { gmt8Date } from '../../server/sandbox/clock';
import { createWechatPayClient, isWechatPayError, OUT_REFUND_NO_MAX_LENGTH, type WechatPayClient } from '../../server/src/wechatpay';
import { startReceiver } from '../support/sandbox-inprocess';
import { signedRequest, startSandboxProcess, type SandboxMerchant, type SandboxProcess } from '../support/sandbox-process';

let sb: SandboxProcess;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let direct: WechatPayClient;
let inst: WechatPayClient;

function clientFor(m: SandboxMerchant): WechatPayClient {
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
  });
}

beforeAll(async () => {
  sb = await startSandboxProcess({ timeScale: 0.01, settings: { settlementDelayDays: 0, refundSettleDelaySeconds: 1 } });
  receiver = await startReceiver(() => 204);
  direct = clientFor(sb.config.direct);
  inst = clientFor(sb.config.institution);
}, 90000);
afterAll(async () => {
  direct?.close();
  inst?.close();
  await receiver?.close();
  await sb?.stop();
});

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

async function setMerchant(mchid: string, settings: Record<string, unknown>) {
  const res = await sb.admin.post(`/sandbox/merchants/${mchid}/settings`, settings);
  expect(res.status).toBe(200);
  return res.json;
}

/** Places a JSAPI order and pays it at the cashier; returns the out_trade_no. */
async function paid(client: WechatPayClient, m: SandboxMerchant, no: string, total: number): Promise<string> {
  const openid = await sb.admin.openid(`fg-${no}`, m.miniprogramAppid);
  const { params } = await client.jsapiPrepayWithRequestPayment({
    description: 'Field groups',
    out_trade_no: no,
    notify_url: receiver.url,
    merchant_category_code: '5812',
    amount: { total, currency: 'HKD' },
    payer: m.mode === 'direct' ? { openid } : { sub_openid: openid },
  });
  expect((await sb.admin.cashierPay({ ...params, openid })).json.errMsg).toBe('requestPayment:ok');
  return no;
}

/** The raw payment notification for `no` as received (envelope JSON + the client's parse). */
async function paymentNotification(client: WechatPayClient, no: string) {
  return waitFor(async () => {
    for (const r of receiver.received) {
      const parsed = await client.parseNotification(r.headers as Record<string, string>, r.body);
      if (
        parsed.ok &&
        parsed.event.event_type === 'TRANSACTION.SUCCESS' &&
        (parsed.event.resource as { out_trade_no?: string }).out_trade_no === no
      ) {
        return { envelope: JSON.parse(r.body) as { create_time: string }, event: parsed.event };
      }
    }
    return undefined;
  });
}

describe('payment notification create_time', () => {
  test('RFC 3339 by default; yyyyMMddHHmmss for a merchant set so; the client parses both', async () => {
    const m = sb.config.direct;
    const first = await paymentNotification(direct, await paid(direct, m, `CT1${Date.now()}`, 100));
    expect(first.envelope.create_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/);
    expect(Math.abs(first.event.created_at!.getTime() - Date.now())).toBeLessThan(60000);

    await setMerchant(m.mchid, { paymentNotifyCreateTime: 'compact' });
    try {
      const second = await paymentNotification(direct, await paid(direct, m, `CT2${Date.now()}`, 100));
      expect(second.envelope.create_time).toMatch(/^\d{14}$/);
      expect(Math.abs(second.event.created_at!.getTime() - Date.now())).toBeLessThan(60000);
    } finally {
      await setMerchant(m.mchid, { paymentNotifyCreateTime: null });
    }
    // Refund notifications are RFC 3339 whatever the setting (as the seed's refund example).
  });
});

describe('payer amounts and promotion_detail', () => {
  test.each(['direct', 'institution'] as const)(
    '%s: a configured discount is taken off payer_total and reported as the seed shows',
    async (mode) => {
      const m = sb.config[mode];
      const client = mode === 'direct' ? direct : inst;
      await setMerchant(m.mchid, {
        promotion: { amount: 100, type: 'COUPON', scope: 'SINGLE', wechatpay_contribute_amount: 70, merchant_contribute_amount: 30 },
      });
      let no: string;
      try {
        no = await paid(client, m, `PR${mode[0]}${Date.now()}`, 1000);
      } finally {
        await setMerchant(m.mchid, { promotion: null });
      }
      const tx = await client.queryOrderByOutTradeNo(no);
      expect(tx.amount).toEqual({
        total: 1000,
        currency: 'HKD',
        payer_total: toPayerAmount(900, 'HKD'),
        payer_currency: 'CNY',
        exchange_rate: { type: 'SETTLEMENT_RATE', rate: exchangeRate('HKD') },
      });
      const [p] = tx.promotion_detail!;
      expect(p).toMatchObject({ scope: 'SINGLE', type: 'COUPON', amount: 100, currency: 'HKD' });
      expect(p!.wechatpay_contribute_amount! + p!.merchant_contribute_amount! + p!.other_contribute_amount!).toBe(p!.amount);
      const note = await paymentNotification(client, no);
      expect((note.event.resource as { promotion_detail?: unknown }).promotion_detail).toEqual(tx.promotion_detail);
      expect((note.event.resource as { amount?: unknown }).amount).toEqual(tx.amount);

      // A later payment without the setting has no promotion and pays the whole amount.
      const plain = await client.queryOrderByOutTradeNo(await paid(client, m, `PN${mode[0]}${Date.now()}`, 1000));
      expect(plain.promotion_detail).toBeUndefined();
      expect(plain.amount!.payer_total).toBe(toPayerAmount(1000, 'HKD'));
    },
  );

  test('contributions that do not add up are refused with a machine-readable code', async () => {
    const res = await sb.admin.post(`/sandbox/merchants/${sb.config.direct.mchid}/settings`, {
      promotion: { amount: 100, wechatpay_contribute_amount: 10 },
    });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('VALIDATION_FAILED');
    expect((await sb.admin.post('/sandbox/merchants/1/settings', {})).status).toBe(404);
  });
});

describe('refund funds', () => {
  test('NOT_ENOUGH once the unsettled balance is short; recharged funds pay when asked; balances go down', async () => {
    const m = sb.config.direct;
    const no = await paid(direct, m, `NE${Date.now()}`, 1000);
    await setMerchant(m.mchid, { unsettledBalance: 500, rechargeBalance: 400 });
    try {
      const base = { out_trade_no: no, amount: { total: 1000, currency: 'HKD' } };
      await direct.refund({ ...base, out_refund_no: `${no}-1`, amount: { ...base.amount, refund: 300 } });
      const short = await caught(direct.refund({ ...base, out_refund_no: `${no}-2`, amount: { ...base.amount, refund: 300 } }));
      expect(isWechatPayError(short, 'NOT_ENOUGH')).toBe(true);
      expect((short as { status?: number }).status).toBe(403);
      // The same out_refund_no goes through once funds are there (retry later with the same number).
      const recharge = await direct.refund({
        ...base,
        out_refund_no: `${no}-2`,
        source: 'REFUND_SOURCE_RECHARGE_FUNDS',
        amount: { ...base.amount, refund: 300 },
      });
      expect((await direct.queryRefundByOutRefundNo(recharge.out_refund_no)).fund_source).toBe('REFUND_SOURCE_RECHARGE_FUNDS');
      expect((await direct.queryRefundByOutRefundNo(`${no}-1`)).fund_source).toBe('REFUND_SOURCE_UNSETTLED_FUNDS');
      expect(await sb.admin.get(`/sandbox/merchants/${m.mchid}/settings`)).toMatchObject({ unsettledBalance: 200, rechargeBalance: 100 });
      // A replay of an accepted refund takes nothing more.
      await direct.refund({ ...base, out_refund_no: `${no}-1`, amount: { ...base.amount, refund: 300 } });
      expect((await sb.admin.get(`/sandbox/merchants/${m.mchid}/settings`)).unsettledBalance).toBe(200);
    } finally {
      await setMerchant(m.mchid, { unsettledBalance: null, rechargeBalance: null });
    }
  });

  test.each(['direct', 'institution'] as const)(
    '%s: a refund made in the merchant platform shows in the all-refunds query',
    async (mode) => {
      const m = sb.config[mode];
      const client = mode === 'direct' ? direct : inst;
      const no = await paid(client, m, `MP${mode[0]}${Date.now()}`, 1000);
      await client.refund({ out_trade_no: no, out_refund_no: `${no}-api`, amount: { refund: 100, total: 1000, currency: 'HKD' } });
      const platform = await sb.admin.post('/sandbox/refunds/merchant-platform', { out_trade_no: no, refund: 250 });
      expect(platform.status).toBe(200);
      const list = await client.listRefunds({ out_trade_no: no, offset: 0, count: 10 });
      expect(list.total_num).toBe(2);
      expect(list.data.map((r) => r.out_refund_no).sort()).toEqual([`${no}-api`, platform.json.out_refund_no].sort());
      const mine = list.data.find((r) => r.out_refund_no === platform.json.out_refund_no)!;
      expect(mine.amount).toMatchObject({ refund: 250, currency: 'HKD', payer_refund: toPayerAmount(250, 'HKD') });
      expect((await client.queryRefundById(mine.id)).out_refund_no).toBe(platform.json.out_refund_no);
      const over = await sb.admin.post('/sandbox/refunds/merchant-platform', { out_trade_no: no, refund: 1000 });
      expect(over.status).toBe(400);
      expect(over.json.code).toBe('INVALID_REQUEST');
    },
  );
});

describe('field limits shared by client and sandbox', () => {
  test(`out_refund_no: ${OUT_REFUND_NO_MAX_LENGTH} characters accepted by both, one more refused by both`, async () => {
    const m = sb.config.direct;
    const no = await paid(direct, m, `LN${Date.now()}`, 1000);
    const longest = 'R'.repeat(OUT_REFUND_NO_MAX_LENGTH - 13) + String(Date.now());
    expect(longest).toHaveLength(64);
    const ok = await direct.refund({ out_trade_no: no, out_refund_no: longest, amount: { refund: 10, total: 1000, currency: 'HKD' } });
    expect(ok.out_refund_no).toBe(longest);
    expect((await direct.queryRefundByOutRefundNo(longest)).out_refund_no).toBe(longest);
    const tooLong = `${longest}X`;
    const local = await caught(
      direct.refund({ out_trade_no: no, out_refund_no: tooLong, amount: { refund: 10, total: 1000, currency: 'HKD' } }),
    );
    expect(local).toMatchObject({ kind: 'invalid_input' });
    const raw = await signedRequest(sb.baseUrl, m, 'POST', '/v3/global/refunds', {
      mchid: m.mchid,
      out_trade_no: no,
      out_refund_no: tooLong,
      amount: { refund: 10, total: 1000, currency: 'HKD' },
    });
    expect(raw.status).toBe(400);
    expect(raw.json.code).toBe('PARAM_ERROR');
  });
});

describe('close within 5 minutes', () => {
  test('RULE_LIMIT before 5 minutes (simulated), 204 after', async () => {
    const openid = await sb.admin.openid('fg-close', sb.config.direct.miniprogramAppid);
    const no = `CL${Date.now()}`;
    await direct.jsapiOrder({
      description: 'Close me',
      out_trade_no: no,
      notify_url: receiver.url,
      merchant_category_code: '5812',
      amount: { total: 100, currency: 'HKD' },
      payer: { openid },
    });
    const early = await caught(direct.closeOrder({ out_trade_no: no }));
    expect(isWechatPayError(early, 'RULE_LIMIT')).toBe(true);
    expect((await direct.queryOrderByOutTradeNo(no)).trade_state).toBe('NOTPAY');
    expect((await sb.admin.post('/sandbox/orders/backdate', { out_trade_no: no, seconds: 300 })).status).toBe(200);
    await direct.closeOrder({ out_trade_no: no });
    expect((await direct.queryOrderByOutTradeNo(no)).trade_state).toBe('CLOSED');
  });
});

describe('settlements', () => {
  test('offset and limit are optional (first page of 10)', async () => {
    const m = sb.config.direct;
    const list = await direct.querySettlements({ settle_state: 'UNSETTLE' });
    expect(list.offset).toBe(0);
    const raw = await signedRequest(sb.baseUrl, m, 'GET', `/v3/global/settle/settlements?settle_state=UNSETTLE`);
    expect(raw.status).toBe(200);
    expect(raw.json.offset).toBe(0);
    const bad = await signedRequest(sb.baseUrl, m, 'GET', `/v3/global/settle/settlements?settle_state=UNSETTLE&limit=31`);
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('PARAM_ERROR');
    await expect(direct.querySettlements({ settle_state: 'UNSETTLE', limit: 31 })).rejects.toMatchObject({ kind: 'invalid_input' });
  });

  test.each(['direct', 'institution'] as const)(
    '%s: wallet_region and split_amount for a merchant set so; the parts add up',
    async (mode) => {
      const m = sb.config[mode];
      const client = mode === 'direct' ? direct : inst;
      await paid(client, m, `ST${mode[0]}${Date.now()}`, 4000);
      const today = gmt8Date(Date.now());
      const q = { settle_state: 'SETTLED' as const, settle_start_date: today, settle_end_date: today };
      const before = (await client.querySettlements(q)).data.find((b) => b.amount.currency === 'HKD')!;
      expect(before.wallet_region).toBeUndefined();
      expect(before.split_amount).toBeUndefined();
      await setMerchant(m.mchid, { walletRegion: 'CHINA_HONGKONG', splitBasisPoints: 2500 });
      try {
        // The day's sums are cached for 2 s; nothing is paid meanwhile, so the totals are the same.
        const after = (await client.querySettlements(q)).data.find((b) => b.batch_id === before.batch_id)!;
        expect(after.wallet_region).toBe('CHINA_HONGKONG');
        const split = after.split_amount!;
        expect(split.currency).toBe('HKD');
        expect(split.pay).toBeGreaterThan(0);
        expect(after.amount.net! + split.pay! - split.refund!).toBe(before.amount.net);
        expect(after.amount.settled + split.settled).toBe(before.amount.settled);
        expect(after.amount.unsettle + split.unsettle).toBe(before.amount.unsettle);
      } finally {
        await setMerchant(m.mchid, { walletRegion: null, splitBasisPoints: null });
      }
    },
  );
});
