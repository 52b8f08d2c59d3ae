// Refused staff logins counted per (UTC day, username): one document per pair moved by `$inc` with upsert, so
// unauthenticated noise costs a counter, not an audit record per request. Unknown usernames share one counter.
import { Schema, type Connection, type Model } from 'mongoose';

export interface LoginRefusalDoc {
  /** `${day}|${username}` */
  _id: string;
  day: string;
  username: string;
  count: number;
  byCode: Record<string, number>;
  firstAt: Date;
  lastAt: Date;
  lastIp?: string;
}

const schema = new Schema<LoginRefusalDoc>(
  {
    _id: { type: String },
    day: { type: String, required: true },
    username: { type: String, required: true },
    count: { type: Number, required: true, default: 0 },
    byCode: { type: Schema.Types.Mixed, default: {} },
    firstAt: { type: Date, required: true },
    lastAt: { type: Date, required: true },
    lastIp: { type: String },
  },
  { collection: 'audit_login_refusals', strict: 'throw', versionKey: false, minimize: false },
);
schema.index({ day: 1 });

export type LoginRefusalModel = Model<LoginRefusalDoc>;
export function loginRefusalModel(conn: Connection): LoginRefusalModel {
  return (conn.models.StaffLoginRefusal as LoginRefusalModel | undefined) ?? conn.model<LoginRefusalDoc>('StaffLoginRefusal', schema);
}
