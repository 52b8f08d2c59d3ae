// Staff login attempts counted per key (`user:<name>`, `pair:<name>|<address>`, `ip:<address>`) in fixed time
// buckets. A bucket is one document moved by one conditional `$inc` (with upsert) that succeeds only while the
// bucket is under its maximum, so reserving an attempt is atomic and shared by every backend instance.
// A mark (`known:<name>|<address>`, an address the account logged in from) is one document whose _id is the key
// and whose bucketStart is its expiry.
// FerretDB has no TTL indexes: old buckets are deleted by the limiter itself.
import { Schema, type Connection, type Model } from 'mongoose';

export interface LoginAttemptDoc {
  /** `${key}|${bucketStart}` */
  _id: string;
  key: string;
  bucketStart: Date;
  failures: number;
  lastAt?: Date;
}

const schema = new Schema<LoginAttemptDoc>(
  {
    _id: { type: String },
    key: { type: String, required: true },
    bucketStart: { type: Date, required: true },
    failures: { type: Number, required: true, default: 0 },
    lastAt: { type: Date },
  },
  { collection: 'staff_login_attempts', strict: 'throw', versionKey: false },
);
schema.index({ key: 1, bucketStart: -1 });
schema.index({ bucketStart: 1 });

export type LoginAttemptModel = Model<LoginAttemptDoc>;
export function loginAttemptModel(conn: Connection): LoginAttemptModel {
  return (conn.models.StaffLoginAttempt as LoginAttemptModel | undefined) ?? conn.model<LoginAttemptDoc>('StaffLoginAttempt', schema);
}
