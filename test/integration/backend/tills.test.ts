// Quick Pay tills over the real stack (sandbox -> database -> API): an admin keeps the tills (every change
// audited, client mistakes answered 4xx with a code); a cashier charges at one; the sandbox receives its
// scene_info, detail and attach as the seed shows them and WeChat's query answers with attach; the order keeps
// the till and staff see it; an unknown or disabled till is refused with nothing written anywhere; the day's
// statement, the order list and the search can be read per store.
import mongoose from 'mongoose';
import type { AdminOrderView, PosChargeResponse, StatementReport, TillList, TillView } from '../../../shared/api';
import { signedRequest } from '../../support/sandbox-process';
import { startStack, type Stack } from '../../support/stack';
import { staffToken } from '../../support/staff';

jest.setTimeout(120_000);

let stack: Stack;
let admin: string;
let cashier: string;
let viewer: string;
let db: mongoose.Connection;
let sandboxDb: mongoose.Connection;

beforeAll(async () => {
  stack = await startStack({ env: { POS_POLL_SCHEDULE_MS: '100,100' } });
  admin = await staffToken(stack.backendUrl, stack.dbUri, 'till-admin', 'admin');
  cashier = await staffToken(stack.backendUrl, stack.dbUri, 'till-cashier', 'cashier');
  viewer = await staffToken(stack.backendUrl, stack.dbUri, 'till-viewer', 'viewer');
  db = await mongoose.createConnection(stack.dbUri).asPromise();
  sandboxDb = await mongoose.createConnection(stack.sandbox.dbUri).asPromise();
});
afterAll(async () => {
  await db?.close();
  await sandboxDb?.close();
  await stack?.stop();
});

const CENTRAL = {
  storeId: 'HK-CEN',
  storeName: '中環店 Central',
  storeAddress: '香港中環皇后大道中 1 號',
  deviceId: 'POS-CEN-01',
  deviceIp: '10.8.0.21',
  label: 'Front counter',
};
const MONG_KOK = { storeId: 'HK-MK', storeName: '旺角店 Mong Kok', deviceId: 'POS-MK-01', label: 'Mong Kok till' };

let n = 0;
const charge = (body: Record<string, unknown>, token = cashier) =>
  stack.api('POST', '/api/admin/pos/charge', {
    token,
    body: { authCode: '134650720866361395', amount: 1800, description: 'Counter sale', requestId: `till-${Date.now()}-${n++}`, ...body },
  });
const auditOf = async (tillId: string) =>
  (
    await db
      .collection('audit_log')
      .find({ target: `till:${tillId}` })
      .sort({ at: 1 })
      .toArray()
  ).map((a) => a.action as string);

let central: TillView;
let mongKok: TillView;

test('an admin adds, edits, disables and enables tills, each change audited; everyone reads them', async () => {
  const created = await stack.api('POST', '/api/admin/tills', { token: admin, body: CENTRAL });
  expect(created.status).toBe(201);
  central = created.json as TillView;
  expect(central).toMatchObject({ ...CENTRAL, active: true });
  mongKok = (await stack.api('POST', '/api/admin/tills', { token: admin, body: MONG_KOK })).json as TillView;

  const edited = await stack.api('PATCH', `/api/admin/tills/${mongKok.id}`, {
    token: admin,
    body: { label: 'MK counter', deviceIp: 'fd00::7' },
  });
  expect(edited.status).toBe(200);
  expect(edited.json).toMatchObject({ label: 'MK counter', deviceIp: 'fd00::7' });
  const cleared = await stack.api('PATCH', `/api/admin/tills/${mongKok.id}`, { token: admin, body: { deviceIp: null } });
  expect(cleared.json).not.toHaveProperty('deviceIp');

  const spare = (
    await stack.api('POST', '/api/admin/tills', { token: admin, body: { ...CENTRAL, deviceId: 'POS-CEN-02', label: 'Spare' } })
  ).json as TillView;
  const off = await stack.api('POST', `/api/admin/tills/${spare.id}/disable`, { token: admin, body: {} });
  expect(off.json).toMatchObject({ active: false });
  expect((await stack.api('POST', `/api/admin/tills/${spare.id}/disable`, { token: admin })).status).toBe(200); // again: no change
  expect((await stack.api('POST', `/api/admin/tills/${spare.id}/enable`, { token: admin })).json).toMatchObject({ active: true });
  await stack.api('POST', `/api/admin/tills/${spare.id}/disable`, { token: admin });

  expect(await auditOf(central.id)).toEqual(['till.create']);
  expect(await auditOf(mongKok.id)).toEqual(['till.create', 'till.update', 'till.update']);
  expect(await auditOf(spare.id)).toEqual(['till.create', 'till.disable', 'till.enable', 'till.disable']);
  const update = await db.collection('audit_log').findOne({ target: `till:${mongKok.id}`, action: 'till.update' });
  expect(update).toMatchObject({
    actor: 'till-admin',
    role: 'admin',
    detail: { changes: { label: { from: 'Mong Kok till', to: 'MK counter' } } },
  });

  for (const token of [viewer, cashier]) {
    const list = await stack.api('GET', '/api/admin/tills', { token });
    expect(list.status).toBe(200);
    expect((list.json as TillList).items.map((t) => [t.label, t.active])).toEqual([
      ['Front counter', true],
      ['MK counter', true],
      ['Spare', false],
    ]);
  }
});

test('client mistakes are 4xx with a code and a message, never a 500; only admins change tills', async () => {
  const bad: Array<[unknown, string]> = [
    [{ ...CENTRAL, storeId: 'S'.repeat(33) }, 'storeId'],
    [{ ...CENTRAL, storeId: '中'.repeat(11) }, 'storeId'], // 33 bytes of UTF-8
    [{ ...CENTRAL, storeName: 'two\nlines' }, 'storeName'],
    [{ ...CENTRAL, deviceId: '\uD800' }, 'deviceId'],
    [{ ...CENTRAL, deviceIp: 'till.local' }, 'deviceIp'],
    [{ ...CENTRAL, label: '' }, 'label'],
    [{ ...CENTRAL, colour: 'red' }, 'body'],
    [{ storeName: 'x' }, 'storeId'],
  ];
  for (const [body, field] of bad) {
    const r = await stack.api('POST', '/api/admin/tills', { token: admin, body });
    expect({ field, status: r.status, code: r.json.code }).toEqual({ field, status: 400, code: 'VALIDATION_FAILED' });
    expect(r.json.message).toEqual(expect.any(String));
    expect(Object.keys(r.json.details.fields)).toContain(field);
  }
  const dup = await stack.api('POST', '/api/admin/tills', { token: admin, body: { ...CENTRAL, label: 'Copy' } });
  expect(dup.status).toBe(409);
  expect(dup.json.code).toBe('DUPLICATE');
  const clash = await stack.api('PATCH', `/api/admin/tills/${mongKok.id}`, {
    token: admin,
    body: { storeId: CENTRAL.storeId, deviceId: CENTRAL.deviceId },
  });
  expect([clash.status, clash.json.code]).toEqual([409, 'DUPLICATE']);
  const empty = await stack.api('PATCH', `/api/admin/tills/${mongKok.id}`, { token: admin, body: {} });
  expect([empty.status, empty.json.code]).toEqual([400, 'VALIDATION_FAILED']);
  const unknown = await stack.api('PATCH', '/api/admin/tills/0123456789abcdef01234567', { token: admin, body: { label: 'x' } });
  expect([unknown.status, unknown.json.code]).toEqual([404, 'TILL_NOT_FOUND']);
  expect((await stack.api('POST', '/api/admin/tills/not-an-id/disable', { token: admin })).status).toBe(400);
  const notJson = await fetch(`${stack.backendUrl}/api/admin/tills`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
    body: '{"storeId":',
  });
  expect(notJson.status).toBe(400);
  for (const token of [cashier, viewer]) {
    expect((await stack.api('POST', '/api/admin/tills', { token, body: { ...CENTRAL, deviceId: 'X' } })).status).toBe(403);
    expect((await stack.api('POST', `/api/admin/tills/${central.id}/disable`, { token })).status).toBe(403);
  }
  // Nothing above changed a till.
  expect(await auditOf(central.id)).toEqual(['till.create']);
});

let paidAtCentral: PosChargeResponse;

test('a charge at a till: scene_info, detail and attach reach WeChat Pay, the order keeps the till, staff see where it was made', async () => {
  const r = await charge({
    tillId: central.id,
    amount: 2300,
    items: [
      { name: '奶茶 Milk tea', quantity: 2, unitPrice: 800 },
      { name: 'Pineapple bun', quantity: 1, unitPrice: 700 },
    ],
  });
  expect(r.status).toBe(201);
  paidAtCentral = r.json as PosChargeResponse;
  expect(paidAtCentral).toMatchObject({
    state: 'SUCCESS',
    till: { id: central.id, storeId: 'HK-CEN', storeName: CENTRAL.storeName, label: 'Front counter', deviceId: 'POS-CEN-01' },
  });
  const no = paidAtCentral.outTradeNo;

  // What the sandbox received, field for field as the seed's Quick Pay request shows it.
  const [atWechat] = (await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${no}`)).data;
  expect(atWechat.scene_info).toEqual({
    device_ip: '10.8.0.21',
    device_id: 'POS-CEN-01',
    operator_id: 'till-cashier',
    store_info: { id: 'HK-CEN', name: CENTRAL.storeName, address: CENTRAL.storeAddress },
  });
  expect(atWechat.detail).toEqual({
    receipt_id: no,
    goods_detail: [
      { goods_id: 'POS-1', goods_name: '奶茶 Milk tea', quantity: 2, price: 800 },
      { goods_id: 'POS-2', goods_name: 'Pineapple bun', quantity: 1, price: 700 },
    ],
  });
  expect(atWechat.attach).toBe(`till:${central.id}`);
  // WeChat Pay's own query answers with attach (and, as WeChat does, with neither scene_info nor detail).
  const m = stack.sandbox.config.direct;
  const q = await signedRequest(stack.sandbox.baseUrl, m, 'GET', `/v3/global/transactions/out-trade-no/${no}?mchid=${m.mchid}`);
  expect(q.status).toBe(200);
  expect(q.json).toMatchObject({ out_trade_no: no, trade_state: 'SUCCESS', attach: `till:${central.id}` });
  expect(q.json).not.toHaveProperty('scene_info');

  // Stored on the order, shown through the staff API; the audit record names the till.
  const stored = await db.collection('orders').findOne({ outTradeNo: no });
  expect(stored!.till).toEqual({ id: central.id, ...CENTRAL });
  expect(stored!.items.map((i: { sku: string; amount: number }) => [i.sku, i.amount])).toEqual([
    ['POS-1', 1600],
    ['POS-2', 700],
  ]);
  const view = (await stack.api('GET', `/api/admin/orders/${String(stored!._id)}`, { token: viewer })).json as AdminOrderView;
  expect(view.till).toEqual({
    id: central.id,
    label: 'Front counter',
    storeId: 'HK-CEN',
    storeName: CENTRAL.storeName,
    deviceId: 'POS-CEN-01',
  });
  expect(view.audit.find((a) => a.action === 'pos.charge')?.detail).toMatchObject({ tillId: central.id, storeId: 'HK-CEN' });
});

test('a charge without a till still works and sends no scene_info', async () => {
  const r = await charge({ amount: 500 });
  expect(r.json).toMatchObject({ state: 'SUCCESS' });
  expect(r.json).not.toHaveProperty('till');
  const [atWechat] = (await stack.sandbox.admin.get(`/sandbox/orders?out_trade_no=${r.json.outTradeNo}`)).data;
  expect(atWechat).not.toHaveProperty('scene_info');
  expect(atWechat.detail).toEqual({ receipt_id: r.json.outTradeNo });
});

test('an unknown or disabled till is refused before anything is written or sent', async () => {
  const spare = ((await stack.api('GET', '/api/admin/tills', { token: cashier })).json as TillList).items.find((t) => t.label === 'Spare')!;
  const counts = async () => [await db.collection('orders').countDocuments(), await sandboxDb.collection('orders').countDocuments()];
  const before = await counts();
  const unknown = await charge({ tillId: '0123456789abcdef01234567' });
  expect([unknown.status, unknown.json.code]).toEqual([404, 'TILL_NOT_FOUND']);
  const disabled = await charge({ tillId: spare.id });
  expect([disabled.status, disabled.json.code]).toEqual([409, 'TILL_DISABLED']);
  const malformed = await charge({ tillId: 'till-1' });
  expect([malformed.status, malformed.json.code]).toEqual([400, 'VALIDATION_FAILED']);
  const badItems = await charge({ tillId: central.id, amount: 999, items: [{ name: 'Tea', quantity: 1, unitPrice: 100 }] });
  expect([badItems.status, badItems.json.code]).toEqual([400, 'VALIDATION_FAILED']);
  expect(await counts()).toEqual(before);
});

test('the day’s statement per store: only that store’s rows and our records of it', async () => {
  const mk = await charge({ tillId: mongKok.id, amount: 4200 });
  expect(mk.json).toMatchObject({ state: 'SUCCESS' });
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
  const whole = await stack.api('GET', `/api/admin/statements/${today}`, { token: viewer });
  expect(whole.status).toBe(200);
  expect(whole.json as StatementReport).toMatchObject({ rows: 3, totals: { payments: 2300 + 500 + 4200 }, differences: [] });
  const cen = await stack.api('GET', `/api/admin/statements/${today}?store=HK-CEN`, { token: viewer });
  expect(cen.json as StatementReport).toMatchObject({ store: 'HK-CEN', rows: 1, totals: { payments: 2300 }, differences: [] });
  const mkReport = await stack.api('GET', `/api/admin/statements/${today}?store=HK-MK`, { token: cashier });
  expect(mkReport.json as StatementReport).toMatchObject({ store: 'HK-MK', rows: 1, totals: { payments: 4200 } });
  const bad = await stack.api('GET', `/api/admin/statements/${today}?store=${'x'.repeat(40)}`, { token: viewer });
  expect([bad.status, bad.json.code]).toEqual([400, 'VALIDATION_FAILED']);
  const audit = await db.collection('audit_log').findOne({ action: 'statement.reconcile', 'detail.store': 'HK-MK' });
  expect(audit).toMatchObject({ actor: 'till-cashier' });
});

test('staff list and search one store’s orders; the Mini Program’s orders (no till) are in no store', async () => {
  // A Mini Program order (no till) next to the tills' charges of the tests above.
  const token = await stack.loginCustomer('store-filter-customer');
  const mp = await stack.api('POST', '/api/orders', {
    token,
    body: { items: [{ sku: 'egg-tart', quantity: 1 }], clientRequestId: 'store-filter-1' },
  });
  expect(mp.status).toBe(201);
  const list = async (query: string) => {
    const r = await stack.api('GET', `/api/admin/orders?pageSize=100${query}`, { token: viewer });
    expect(r.status).toBe(200);
    return r.json as { items: Array<{ outTradeNo: string }>; total: number };
  };
  const all = await list('');
  const cen = await list('&store=HK-CEN');
  const mk = await list('&store=HK-MK&status=PAID');
  const stored = async (storeId: string) =>
    (await db.collection('orders').find({ 'till.storeId': storeId }).toArray()).map((o) => o.outTradeNo as string).sort();
  expect(cen.items.map((o) => o.outTradeNo).sort()).toEqual(await stored('HK-CEN'));
  expect(mk.items.map((o) => o.outTradeNo).sort()).toEqual(await stored('HK-MK'));
  expect(cen.total).toBeGreaterThan(0);
  expect(mk.total).toBe(1);
  expect(all.total).toBeGreaterThan(cen.total + mk.total); // the Mini Program's and the till-less charges
  expect([...cen.items, ...mk.items].map((o) => o.outTradeNo)).not.toContain(mp.json.order.outTradeNo);
  expect((await list('&store=NO-SUCH-STORE')).total).toBe(0);
  // The one search box, within a store: found there, not in another.
  const no = mk.items[0]!.outTradeNo;
  const inMk = await stack.api('GET', `/api/admin/search?q=${no}&store=HK-MK`, { token: viewer });
  expect(inMk.json).toMatchObject({ total: 1, matchedBy: 'outTradeNo' });
  const inCen = await stack.api('GET', `/api/admin/search?q=${no}&store=HK-CEN`, { token: viewer });
  expect(inCen.json).toMatchObject({ total: 0, items: [] });
  for (const path of [`/api/admin/orders?store=${'x'.repeat(40)}`, `/api/admin/search?q=${no}&store=${'x'.repeat(40)}`]) {
    const bad = await stack.api('GET', path, { token: viewer });
    expect([bad.status, bad.json.code]).toEqual([400, 'VALIDATION_FAILED']);
  }
});

test('the sandbox checks the field group as the seed shows it: byte limits, IP addresses, goods lines', async () => {
  const m = stack.sandbox.config.direct;
  const pay = (extra: Record<string, unknown>) =>
    signedRequest(stack.sandbox.baseUrl, m, 'POST', '/v3/global/micropay/transactions/pay', {
      mchid: m.mchid,
      appid: m.appid,
      description: 'Field check',
      out_trade_no: `FG${Date.now()}${n++}`,
      merchant_category_code: '5812',
      trade_type: 'MICROPAY',
      payer: { auth_code: '134650720866361395' },
      amount: { total: 100, currency: 'HKD' },
      ...extra,
    });
  const refused: Array<[Record<string, unknown>, RegExp]> = [
    [{ scene_info: { store_info: { id: '中'.repeat(11) } } }, /store_info\/id/],
    [{ scene_info: { store_info: {} } }, /store_info/],
    [{ scene_info: { device_ip: '999.1.1.1' } }, /device_ip/],
    [{ scene_info: { operator_id: 'o'.repeat(33) } }, /operator_id/],
    [{ detail: { goods_detail: [{ goods_name: 'Tea', quantity: 1, price: 100 }] } }, /goods_id/],
    [{ detail: { receipt_id: 'r'.repeat(33) } }, /receipt_id/],
    [{ attach: '附'.repeat(43) }, /attach/], // 129 bytes
  ];
  for (const [extra, field] of refused) {
    const r = await pay(extra);
    expect({ extra, status: r.status, code: r.json.code }).toEqual({ extra, status: 400, code: 'PARAM_ERROR' });
    expect(JSON.stringify(r.json)).toMatch(field);
  }
  // The seed's own example is accepted (store_info with name and address only, the Global description's reading, too).
  const ok = await pay({
    attach: 'Payment Test',
    detail: {
      cost_price: 1,
      receipt_id: '1234',
      goods_detail: [{ goods_id: 'iphone6s_16G', wxpay_goods_id: '3405', goods_name: 'iPhone6s 16G', quantity: 1, price: 1 }],
    },
    scene_info: {
      payer_client_ip: '14.23.150.211',
      device_ip: '59.37.125.32',
      device_id: '013467007045764',
      operator_id: 'P001',
      store_info: { id: 'SZTX001', name: 'Tencent Building Branch', address: 'Nanshan District, Shenzhen, Guangdong' },
    },
  });
  expect(ok.status).toBe(200);
  expect((await pay({ scene_info: { store_info: { name: '腾讯大厦分店', address: '深圳' } } })).status).toBe(200);
});
