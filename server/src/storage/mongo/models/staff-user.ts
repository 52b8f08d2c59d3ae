// Merchant staff accounts. Passwords are stored only as scrypt hashes (domain/staff-password.ts).
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { USERNAME_PATTERN, type StaffUser } from '../../../domain/ports/staff';
import { STAFF_ROLES } from '../../../../../shared/roles';

export { STAFF_ROLES };

export interface StaffUserDoc extends StaffUser {
  _id: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<StaffUserDoc>(
  {
    username: { type: String, required: true, match: USERNAME_PATTERN },
    passwordHash: { type: String, required: true },
    role: { type: String, required: true, enum: STAFF_ROLES },
    disabled: { type: Boolean, required: true, default: false },
  },
  { collection: 'staff_users', timestamps: true, strict: 'throw', versionKey: false },
);
schema.index({ username: 1 }, { unique: true });

export type StaffUserModel = Model<StaffUserDoc>;
export function staffUserModel(conn: Connection): StaffUserModel {
  return (conn.models.StaffUser as StaffUserModel | undefined) ?? conn.model<StaffUserDoc>('StaffUser', schema);
}
