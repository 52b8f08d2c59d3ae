// Quick Pay tills on MongoDB: each change is one update of one document; the unique (storeId, deviceId) index
// turns a clash into 'duplicate', whoever comes second.
import type { Connection } from 'mongoose';
import { MAX_TILLS, type Till, type TillRepository } from '../../domain/ports/tills';
import { isDuplicateKeyError } from './errors';
import { objectId, withId } from './ids';
import { tillModel, type TillDoc } from './models/till';

const toTill = (d: TillDoc): Till => withId(d);

export function mongoTills(conn: Connection): TillRepository & { init(): Promise<unknown> } {
  const Till = tillModel(conn);
  return {
    init: () => Till.init(),
    async insert(t, now) {
      try {
        const created = await Till.create({ ...t, active: true, createdAt: now, updatedAt: now });
        return toTill(created.toObject() as TillDoc);
      } catch (err) {
        if (isDuplicateKeyError(err)) return 'duplicate';
        throw err;
      }
    },
    async findById(id) {
      const _id = objectId(id);
      const d = _id && (await Till.findById(_id).lean<TillDoc>());
      return d ? toTill(d) : undefined;
    },
    async list() {
      const docs = await Till.find({}).sort({ active: -1, storeId: 1, label: 1, _id: 1 }).limit(MAX_TILLS).lean<TillDoc[]>();
      return docs.map(toTill);
    },
    async update(id, change, now) {
      const _id = objectId(id);
      if (!_id) return undefined;
      const unset = Object.fromEntries((change.unset ?? []).map((k) => [k, 1]));
      try {
        const d = await Till.findOneAndUpdate(
          { _id },
          { $set: { ...change.set, updatedAt: now }, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
          { returnDocument: 'after', runValidators: true },
        ).lean<TillDoc>();
        return d ? toTill(d) : undefined;
      } catch (err) {
        if (isDuplicateKeyError(err)) return 'duplicate';
        throw err;
      }
    },
    async setActive(id, active, now) {
      const _id = objectId(id);
      if (!_id) return undefined;
      const d = await Till.findOneAndUpdate(
        { _id, active: !active },
        { $set: { active, updatedAt: now } },
        { returnDocument: 'after' },
      ).lean<TillDoc>();
      if (d) return { till: toTill(d), changed: true };
      const current = await Till.findById(_id).lean<TillDoc>();
      return current ? { till: toTill(current), changed: false } : undefined;
    },
  };
}
