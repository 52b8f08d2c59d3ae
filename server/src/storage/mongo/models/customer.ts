// A customer is an openid seen at login. session_key is deliberately not stored: nothing here needs it
// (no encrypted user data is decrypted), and a secret that is not kept cannot leak.
import { Schema, type Connection, type Model } from 'mongoose';

export interface CustomerDoc {
  openid: string;
  unionid?: string;
  firstLoginAt: Date;
  lastLoginAt: Date;
}

export const customerSchema = new Schema<CustomerDoc>(
  {
    openid: { type: String, required: true },
    unionid: { type: String },
    firstLoginAt: { type: Date, required: true },
    lastLoginAt: { type: Date, required: true },
  },
  { collection: 'customers', strict: 'throw', versionKey: false },
);
customerSchema.index({ openid: 1 }, { unique: true });

export type CustomerModel = Model<CustomerDoc>;
export function customerModel(conn: Connection): CustomerModel {
  return (conn.models.Customer as CustomerModel | undefined) ?? conn.model<CustomerDoc>('Customer', customerSchema);
}
