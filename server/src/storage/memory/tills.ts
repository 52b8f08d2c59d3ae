// Quick Pay tills in memory: the same rules as storage/mongo/tills.ts, the unique (storeId, deviceId) checked
// and applied without interleaving.
import { MAX_TILLS, type Till, type TillRepository } from '../../domain/ports/tills';
import { copy, newId } from './ids';

const order = (a: Till, b: Till) =>
  Number(b.active) - Number(a.active) ||
  (a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : 0) ||
  (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function memoryTills(): TillRepository {
  const byId = new Map<string, Till>();
  const clash = (storeId: string, deviceId: string, except?: string) =>
    [...byId.values()].some((t) => t.id !== except && t.storeId === storeId && t.deviceId === deviceId);
  return {
    async insert(t, now) {
      if (clash(t.storeId, t.deviceId)) return 'duplicate';
      const till: Till = { ...copy(t), id: newId(), active: true, createdAt: now, updatedAt: now };
      for (const k of ['storeAddress', 'deviceIp'] as const) if (till[k] === undefined) delete till[k];
      byId.set(till.id, till);
      return copy(till);
    },
    findById: async (id) => copy(byId.get(id.toLowerCase())),
    list: async () => [...byId.values()].sort(order).slice(0, MAX_TILLS).map(copy),
    async update(id, change, now) {
      const t = byId.get(id.toLowerCase());
      if (!t) return undefined;
      const next: Till = { ...t, ...copy(change.set ?? {}), updatedAt: now };
      for (const k of change.unset ?? []) delete next[k];
      if (clash(next.storeId, next.deviceId, t.id)) return 'duplicate';
      byId.set(t.id, next);
      return copy(next);
    },
    async setActive(id, active, now) {
      const t = byId.get(id.toLowerCase());
      if (!t) return undefined;
      if (t.active === active) return { till: copy(t), changed: false };
      t.active = active;
      t.updatedAt = now;
      return { till: copy(t), changed: true };
    },
  };
}
