// Quick Pay tills (domain/ports/tills.ts). (storeId, deviceId) is unique: WeChat Pay tells devices apart by
// device_id, and a store cannot have two tills answering to the same one.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { Till } from '../../../domain/ports/tills';
import { textValidator } from './text';

export interface TillDoc extends Omit<Till, 'id'> {
  _id: Types.ObjectId;
}

const schema = new Schema<TillDoc>(
  {
    storeId: { type: String, required: true, validate: textValidator('storeId') },
    storeName: { type: String, required: true, validate: textValidator('storeName') },
    storeAddress: { type: String, validate: textValidator('storeAddress') },
    deviceId: { type: String, required: true, validate: textValidator('deviceId') },
    deviceIp: { type: String, maxlength: 45 },
    label: { type: String, required: true, validate: textValidator('tillLabel') },
    active: { type: Boolean, required: true, default: true },
    // Set by the repository from the caller's clock (the memory repository does the same).
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'tills', strict: 'throw', versionKey: false },
);
schema.index({ storeId: 1, deviceId: 1 }, { unique: true });

export type TillModel = Model<TillDoc>;
export function tillModel(conn: Connection): TillModel {
  return (conn.models.Till as TillModel | undefined) ?? conn.model<TillDoc>('Till', schema);
}
