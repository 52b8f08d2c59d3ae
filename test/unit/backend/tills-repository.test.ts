// The till repository on each storage, in memory and on the real database, with the same expectations: one till
// per (store, device) however the requests race, each change one update, disabling counted once, the list's
// order, and an order keeping its till.
import type { Storage } from '../../../server/src/domain/ports';
import { createMemoryStorage } from '../../../server/src/storage/memory';
import { mongoStorageForFile } from '../../support/db';

const mongoStorage = mongoStorageForFile('tills');

const now = new Date('2026-05-01T02:00:00Z');
const later = new Date('2026-05-01T03:00:00Z');

describe.each([
  ['in memory', async (): Promise<Storage> => createMemoryStorage()],
  ['on the database', mongoStorage],
])('tills %s', (_name, makeStorage) => {
  let st: Storage;
  beforeAll(async () => {
    st = await makeStorage();
  });

  test('concurrent inserts of one (store, device): one till, the others duplicates; another store may reuse the device id', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => st.tills.insert({ storeId: 'RACE', storeName: 'Race', deviceId: 'D1', label: `T${i}` }, now)),
    );
    expect(results.filter((r) => r !== 'duplicate')).toHaveLength(1);
    const other = await st.tills.insert({ storeId: 'RACE-2', storeName: 'Race 2', deviceId: 'D1', label: 'T' }, now);
    expect(other).toMatchObject({ storeId: 'RACE-2', deviceId: 'D1', active: true, createdAt: now, updatedAt: now });
    expect(other).not.toHaveProperty('storeAddress');
  });

  test('update sets and clears in one change, refuses a clash, and answers undefined for an unknown till', async () => {
    const a = await st.tills.insert(
      { storeId: 'UPD', storeName: 'Upd', storeAddress: 'Somewhere', deviceId: 'D1', deviceIp: '10.0.0.1', label: 'A' },
      now,
    );
    const b = await st.tills.insert({ storeId: 'UPD', storeName: 'Upd', deviceId: 'D2', label: 'B' }, now);
    if (a === 'duplicate' || b === 'duplicate') throw new Error('unexpected duplicate');
    const changed = await st.tills.update(a.id, { set: { label: 'A2', storeName: '上環' }, unset: ['storeAddress', 'deviceIp'] }, later);
    expect(changed).toMatchObject({ id: a.id, label: 'A2', storeName: '上環', updatedAt: later, createdAt: now });
    expect(changed).not.toHaveProperty('storeAddress');
    expect(changed).not.toHaveProperty('deviceIp');
    expect(await st.tills.update(b.id, { set: { deviceId: 'D1' } }, later)).toBe('duplicate');
    expect((await st.tills.findById(b.id))!.deviceId).toBe('D2');
    expect(await st.tills.update('0123456789abcdef01234567', { set: { label: 'x' } }, later)).toBeUndefined();
    expect(await st.tills.update('not-an-id', { set: { label: 'x' } }, later)).toBeUndefined();
    expect(await st.tills.findById('not-an-id')).toBeUndefined();
  });

  test('disabling races: one call changes it, the others find it done; list puts active tills first', async () => {
    const t = await st.tills.insert({ storeId: 'ACT', storeName: 'Act', deviceId: 'D1', label: 'Z' }, now);
    if (t === 'duplicate') throw new Error('unexpected duplicate');
    const results = await Promise.all(Array.from({ length: 5 }, () => st.tills.setActive(t.id, false, later)));
    expect(results.filter((r) => r?.changed)).toHaveLength(1);
    expect(results.every((r) => r?.till.active === false)).toBe(true);
    expect(await st.tills.setActive('0123456789abcdef01234567', false, later)).toBeUndefined();
    const list = await st.tills.list();
    const firstInactive = list.findIndex((x) => !x.active);
    expect(firstInactive).toBeGreaterThan(0);
    expect(list.slice(firstInactive).every((x) => !x.active)).toBe(true);
    const active = list.slice(0, firstInactive).map((x) => x.storeId);
    expect(active).toEqual([...active].sort());
  });

  test('an order keeps the till it was charged at', async () => {
    const till = { id: '0123456789abcdef01234567', storeId: 'ORD', storeName: '中環', deviceId: 'D1', deviceIp: '::1', label: 'Front' };
    const o = await st.orders.insert(
      {
        outTradeNo: `PT${Date.now()}`,
        customerOpenid: 'pos:carl',
        clientRequestId: `till-order-${Date.now()}`,
        items: [],
        description: 'Counter sale',
        total: 100,
        currency: 'HKD',
        expiresAt: later,
        source: 'pos',
        till,
      },
      now,
    );
    if (o === 'duplicate') throw new Error('unexpected duplicate');
    expect((await st.orders.findById(o.id))!.till).toEqual(till);
  });
});
