// Tills and the Quick Pay charges made at them, on in-memory storage with a scripted WeChat Pay port: the field
// limits of what a till becomes at WeChat Pay (UTF-8 bytes, one line, IP addresses), one till per device per
// store, what a charge sends (scene_info, detail, attach) and keeps (the till on the order), the refusals that
// leave nothing behind, and a statement limited to one store.
import { micropayInput, PosService } from '../../../../server/src/domain/pos-charge';
import type { MicropayInput } from '../../../../server/src/domain/ports/payment-gateway';
import { compareWithBooks } from '../../../../server/src/domain/reconciliation-report';
import { TillService, type TillInput } from '../../../../server/src/domain/tills';
import { orderExtras, tillScene } from '../../../../server/src/gateway/wechatpay-gateway';
import type { StatementRow } from '../../../../server/src/wechatpay';
import { createMemoryStorage } from '../../../../server/src/storage/memory';
import { paid, scriptedGateway, silent } from './support';

const CENTRAL: TillInput = {
  storeId: 'HK-CEN',
  storeName: 'Central',
  storeAddress: '1 Queen’s Road Central',
  deviceId: 'POS-01',
  deviceIp: '10.0.0.21',
  label: 'Front counter',
};

function setup(opts: { requireTill?: boolean } = {}) {
  const st = createMemoryStorage();
  const tills = new TillService({ tills: st.tills, now: () => new Date('2026-05-01T02:00:00Z') });
  const sent: MicropayInput[] = [];
  const gateway = scriptedGateway({
    async micropay(i) {
      sent.push(i);
      return { outcome: 'SUCCESS', transaction: paid({ outTradeNo: i.outTradeNo, total: i.total, currency: i.currency }) };
    },
  });
  const pos = new PosService({ orders: st.orders, tills, gateway, currency: 'HKD', logger: silent, pollMs: [], ...opts });
  return { st, tills, pos, sent };
}

let n = 0;
const charge = (over: Record<string, unknown> = {}) => ({
  authCode: '134650720866361395',
  amount: 2300,
  description: 'Counter sale',
  requestId: `req-till-${n++}`,
  ...over,
});

describe('tills', () => {
  test('every text is checked in the unit of its WeChat Pay field: UTF-8 bytes, one line, no broken text', async () => {
    const { tills } = setup();
    const bad: Array<[Partial<TillInput>, string, RegExp]> = [
      [{ storeId: 'S'.repeat(33) }, 'storeId', /at most 32 bytes/],
      [{ storeId: '中'.repeat(11) }, 'storeId', /at most 32 bytes/], // 33 bytes
      [{ deviceId: '\uD800POS' }, 'deviceId', /surrogate/],
      [{ storeName: 'Central\nBranch' }, 'storeName', /one line/],
      [{ storeName: '   ' }, 'storeName', /at least 1/],
      [{ storeAddress: '街'.repeat(171) }, 'storeAddress', /at most 512 bytes/], // 513 bytes
      [{ deviceIp: '10.0.0.300' }, 'deviceIp', /IPv4 or IPv6/],
      [{ label: 'x'.repeat(41) }, 'label', /at most 40 characters/],
    ];
    for (const [over, field, why] of bad) {
      const err = await tills.create({ ...CENTRAL, ...over }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: { [field]: expect.stringMatching(why) } } });
    }
    expect(await tills.list()).toEqual([]);
    // Within the limits: 10 CJK characters are 30 bytes; an IPv6 device; texts are trimmed.
    const ok = await tills.create({ ...CENTRAL, storeId: '中環店中環店中環店中', deviceIp: 'fd00::21', label: '  Till 1 ' });
    expect(ok).toMatchObject({ storeId: '中環店中環店中環店中', deviceIp: 'fd00::21', label: 'Till 1', active: true });
  });

  test('one till per device per store: the same device id elsewhere is another till; edits keep the rule', async () => {
    const { tills } = setup();
    const a = await tills.create(CENTRAL);
    await expect(tills.create({ ...CENTRAL, label: 'Again' })).rejects.toMatchObject({ code: 'DUPLICATE' });
    const b = await tills.create({ ...CENTRAL, storeId: 'HK-MK', storeName: 'Mong Kok' });
    await expect(tills.update(b.id, { storeId: 'HK-CEN' })).rejects.toMatchObject({ code: 'DUPLICATE' });
    const moved = await tills.update(b.id, { deviceId: 'POS-02', storeAddress: null, deviceIp: null });
    expect(moved.after).not.toHaveProperty('storeAddress');
    expect(moved.after).not.toHaveProperty('deviceIp');
    expect(moved.changed.sort()).toEqual(['deviceId', 'deviceIp', 'storeAddress']);
    await expect(tills.update(a.id, { storeName: null as unknown as string })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(tills.update('0123456789abcdef01234567', { label: 'x' })).rejects.toMatchObject({ code: 'TILL_NOT_FOUND' });
    expect((await tills.setActive(a.id, false)).changed).toBe(true);
    expect((await tills.setActive(a.id, false)).changed).toBe(false);
    // Active first, then by store.
    expect((await tills.list()).map((t) => [t.storeId, t.active])).toEqual([
      ['HK-MK', true],
      ['HK-CEN', false],
    ]);
  });
});

describe('Quick Pay at a till', () => {
  test('the charge sends the till as scene_info, the order number as receipt_id, the till as attach; the order keeps the till', async () => {
    const { tills, pos, sent, st } = setup();
    const till = await tills.create(CENTRAL);
    const { result } = await pos.charge(charge({ tillId: till.id.toUpperCase() }), 'carl');
    expect(result).toMatchObject({
      state: 'SUCCESS',
      till: { id: till.id, storeId: 'HK-CEN', storeName: 'Central', label: 'Front counter' },
    });
    expect(sent[0]).toMatchObject({
      receiptId: result.outTradeNo,
      attach: `till:${till.id}`,
      scene: {
        storeId: 'HK-CEN',
        storeName: 'Central',
        storeAddress: '1 Queen’s Road Central',
        deviceId: 'POS-01',
        deviceIp: '10.0.0.21',
        operatorId: 'carl',
      },
    });
    expect(sent[0]!.goods).toBeUndefined();
    const order = await st.orders.findByOutTradeNo(result.outTradeNo);
    expect(order!.till).toEqual({ id: till.id, ...CENTRAL });
    // A later edit of the till does not move the charge.
    await tills.update(till.id, { storeName: 'Central (new)' });
    expect((await st.orders.findByOutTradeNo(result.outTradeNo))!.till!.storeName).toBe('Central');
    // Staff can list the store's orders; a charge without a till is in no store.
    const tillLess = await pos.charge(charge(), 'carl');
    const inStore = await st.orders.listForStaff({ storeId: 'HK-CEN' }, 1, 10);
    expect(inStore.items.map((o) => o.outTradeNo)).toEqual([result.outTradeNo]);
    expect((await st.orders.listForStaff({ storeId: 'HK-OTHER' }, 1, 10)).total).toBe(0);
    expect((await st.orders.listForStaff({}, 1, 10)).items.map((o) => o.outTradeNo)).toContain(tillLess.result.outTradeNo);
  });

  test('listed items become the order lines and goods_detail, and must add up to the amount', async () => {
    const { pos, sent, st } = setup();
    const items = [
      { name: 'Milk tea', quantity: 2, unitPrice: 800 },
      { name: '菠蘿油', quantity: 1, unitPrice: 700 },
    ];
    const { result } = await pos.charge(charge({ items }), 'carl');
    expect(sent[0]!.goods).toEqual([
      { goodsId: 'POS-1', goodsName: 'Milk tea', quantity: 2, price: 800 },
      { goodsId: 'POS-2', goodsName: '菠蘿油', quantity: 1, price: 700 },
    ]);
    expect(sent[0]!.scene).toBeUndefined(); // no till, no scene_info
    expect(sent[0]!.attach).toBeUndefined();
    expect((await st.orders.findByOutTradeNo(result.outTradeNo))!.items.map((i) => i.amount)).toEqual([1600, 700]);
    const before = (await st.orders.listForStaff({}, 1, 100)).total;
    await expect(pos.charge(charge({ items: [{ name: 'Tea', quantity: 1, unitPrice: 100 }] }), 'carl')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: { items: expect.stringMatching(/add up/) } },
    });
    expect((await st.orders.listForStaff({}, 1, 100)).total).toBe(before);
  });

  test('an unknown or disabled till, or none when one is required, is refused before anything is written or sent', async () => {
    const { tills, pos, sent, st } = setup();
    const till = await tills.create(CENTRAL);
    await tills.setActive(till.id, false);
    await expect(pos.charge(charge({ tillId: '0123456789abcdef01234567' }), 'carl')).rejects.toMatchObject({ code: 'TILL_NOT_FOUND' });
    await expect(pos.charge(charge({ tillId: till.id }), 'carl')).rejects.toMatchObject({ code: 'TILL_DISABLED' });
    const strict = setup({ requireTill: true });
    await expect(strict.pos.charge(charge(), 'carl')).rejects.toMatchObject({ code: 'TILL_REQUIRED' });
    expect(sent).toEqual([]);
    expect(strict.sent).toEqual([]);
    expect((await st.orders.listForStaff({}, 1, 10)).total).toBe(0);
  });

  test('a repeat answers the first charge even after its till was disabled; another till with the same requestId is a mismatch', async () => {
    const { tills, pos, sent } = setup();
    const a = await tills.create(CENTRAL);
    const b = await tills.create({ ...CENTRAL, deviceId: 'POS-02' });
    const req = charge({ tillId: a.id });
    const first = await pos.charge(req, 'carl');
    await tills.setActive(a.id, false);
    const again = await pos.charge(req, 'carl');
    expect(again).toEqual({ result: first.result, created: false });
    await expect(pos.charge({ ...req, tillId: b.id }, 'carl')).rejects.toMatchObject({ code: 'IDEMPOTENCY_MISMATCH' });
    await expect(pos.charge({ ...req, tillId: undefined }, 'carl')).rejects.toMatchObject({ code: 'IDEMPOTENCY_MISMATCH' });
    expect(sent).toHaveLength(1);
  });

  test('what is sent is rebuilt from the order alone (a resend carries the same fields); a long operator is left out', () => {
    const order = {
      outTradeNo: 'P2605010200000000aaaa',
      description: 'Counter sale',
      total: 100,
      currency: 'HKD',
      customerOpenid: `pos:${'a'.repeat(33)}`,
      items: [{ sku: 'POS', name: { 'zh-HK': 'x', en: 'x' }, unitPrice: 100, quantity: 1, amount: 100 }],
      till: { id: 'abc', storeId: 'S1', storeName: 'Central', deviceId: 'D1', label: 'T' },
    };
    expect(micropayInput(order as never, '134650720866361395')).toEqual({
      outTradeNo: order.outTradeNo,
      description: 'Counter sale',
      total: 100,
      currency: 'HKD',
      authCode: '134650720866361395',
      receiptId: order.outTradeNo,
      attach: 'till:abc',
      scene: { storeId: 'S1', storeName: 'Central', deviceId: 'D1' },
    });
  });
});

test('the adapter sends the seed’s field names within their byte limits', () => {
  expect(
    tillScene({
      storeId: 'HK-CEN',
      storeName: '中'.repeat(90), // 270 bytes: cut to 85 characters (255 bytes), never inside a character
      storeAddress: 'Queen’s Road',
      deviceId: 'POS-01',
      deviceIp: '10.0.0.21',
      operatorId: 'carl',
    }),
  ).toEqual({
    scene_info: {
      device_ip: '10.0.0.21',
      device_id: 'POS-01',
      operator_id: 'carl',
      store_info: { id: 'HK-CEN', name: '中'.repeat(85), address: 'Queen’s Road' },
    },
  });
  expect(
    orderExtras({ receiptId: 'P1', goods: [{ goodsId: 'POS-1', goodsName: 'Tea', quantity: 1, price: 100 }], attach: 'till:abc' }),
  ).toEqual({
    detail: { receipt_id: 'P1', goods_detail: [{ goods_id: 'POS-1', goods_name: 'Tea', quantity: 1, price: 100 }] },
    attach: 'till:abc',
  });
});

test('a statement limited to one store: its orders and their rows only, matched by out_trade_no', async () => {
  const { tills, pos, st } = setup();
  const central = await tills.create(CENTRAL);
  const mk = await tills.create({ ...CENTRAL, storeId: 'HK-MK', storeName: 'Mong Kok' });
  const a = (await pos.charge(charge({ tillId: central.id, amount: 1000 }), 'carl')).result;
  const b = (await pos.charge(charge({ tillId: mk.id, amount: 2000 }), 'carl')).result;
  const c = (await pos.charge(charge({ amount: 4000 }), 'carl')).result; // no till: no store
  const paidAt = (await st.orders.findByOutTradeNo(a.outTradeNo))!.paidAt!;
  const date = new Date(paidAt.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
  const row = (outTradeNo: string, total: string): StatementRow =>
    ({ out_trade_no: outTradeNo, out_refund_no: '', trade_state: 'SUCCESS', total_amount: total, currency: 'HKD', cells: [] }) as never;
  const statement = {
    sha1: 'x',
    // Mong Kok's row says 25.00 where we have 20.00; the till-less order and an unknown one belong to no store.
    rows: [row(a.outTradeNo, '10.00'), row(b.outTradeNo, '25.00'), row(c.outTradeNo, '40.00'), row('UNKNOWN1', '1.00')],
  };
  const deps = { orders: st.orders, refunds: st.refunds, currency: 'HKD' };
  const whole = await compareWithBooks(deps, date, statement);
  expect(whole).toMatchObject({ rows: 4, totals: { payments: 7600 } });
  expect(whole.differences.map((d) => d.kind).sort()).toEqual(['amount_differs', 'missing_locally']);
  const cen = await compareWithBooks(deps, date, statement, 'HK-CEN');
  expect(cen).toMatchObject({ store: 'HK-CEN', rows: 1, totals: { payments: 1000 }, differences: [] });
  const mkReport = await compareWithBooks(deps, date, statement, 'HK-MK');
  expect(mkReport).toMatchObject({ store: 'HK-MK', rows: 1, totals: { payments: 2500 } });
  expect(mkReport.differences).toEqual([expect.objectContaining({ kind: 'amount_differs', outTradeNo: b.outTradeNo })]);
  expect(await compareWithBooks(deps, date, statement, 'NOWHERE')).toMatchObject({ rows: 0, totals: { payments: 0 }, differences: [] });
});
