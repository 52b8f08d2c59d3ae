// Failed staff logins counted per key (`user:<name>` or `ip:<address>`) in fixed time buckets. A bucket is
// one document moved by `$inc` with upsert, so counting is atomic and shared by every backend instance.
// FerretDB has no TTL indexes: old buckets are deleted by the limiter itself.
import { Schema, type Connection, type Model } from 'mongoose';

export interface LoginAttemptDoc {
  /** `${key}|${bucketStart}` */
  _id: string;
  key: string;
  bucketStart: Date;
  failures: number;
}

const schema = new Schema<LoginAttemptDoc>(
  {
    _id: { type: String },
    key: { type: String, required: true },
    bucketStart: { type: Date, required: true },
    failures: { type: Number, required: true, default: 0 },
  },
  { collection: 'staff_login_attempts', strict: 'throw', versionKey: false },
);
schema.index({ key: 1, bucketStart: -1 });
schema.index({ bucketStart: 1 });

export type LoginAttemptModel = Model<LoginAttemptDoc>;
export function loginAttemptModel(conn: Connection): LoginAttemptModel {
  return (conn.models.StaffLoginAttempt as LoginAttemptModel | undefined) ?? conn.model<LoginAttemptDoc>('StaffLoginAttempt', schema);
}
