// The domain names documents by string ids; MongoDB by ObjectIds. Conversions live here, once.
import { Types } from 'mongoose';

const OBJECT_ID = /^[0-9a-fA-F]{24}$/;

/** The ObjectId for `id`, or undefined when `id` cannot name a document (such a lookup finds nothing). */
export function objectId(id: string): Types.ObjectId | undefined {
  return OBJECT_ID.test(id) ? new Types.ObjectId(id.toLowerCase()) : undefined;
}

export function mustObjectId(id: string): Types.ObjectId {
  const oid = objectId(id);
  if (!oid) throw new Error(`not a document id: ${id}`);
  return oid;
}

/** A lean document with `_id` -> the domain's record with `id`. */
export function withId<T extends { _id: unknown }>(doc: T): Omit<T, '_id'> & { id: string } {
  const { _id, ...rest } = doc;
  return { ...rest, id: String(_id) };
}
