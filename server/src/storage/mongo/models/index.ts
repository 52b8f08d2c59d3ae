// Every model the backend declares, once: `createMongoStorage().init()` builds their indexes and `wxpay doctor`
// checks that each declared index exists in the database.
import type { Connection, Model } from 'mongoose';
import { leaseModel } from '../leases';
import { auditModel } from './audit';
import { customerModel } from './customer';
import { loginAttemptModel } from './login-attempt';
import { loginRefusalModel } from './login-refusal';
import { orderModel } from './order';
import { paymentEventModel } from './payment-event';
import { productModel } from './product';
import { reconciliationDayModel, reconciliationDiffModel } from './reconciliation';
import { refundEventModel } from './refund-event';
import { refundModel } from './refund';
import { staffUserModel } from './staff-user';
import { tillModel } from './till';

export const MODEL_FACTORIES: ReadonlyArray<(conn: Connection) => Model<never>> = [
  auditModel,
  customerModel,
  leaseModel,
  loginAttemptModel,
  loginRefusalModel,
  orderModel,
  paymentEventModel,
  productModel,
  reconciliationDayModel,
  reconciliationDiffModel,
  refundEventModel,
  refundModel,
  staffUserModel,
  tillModel,
] as unknown as ReadonlyArray<(conn: Connection) => Model<never>>;

/** Builds every declared index (what the backend does at start). */
export async function initAllModels(conn: Connection): Promise<void> {
  await Promise.all(MODEL_FACTORIES.map((f) => f(conn).init()));
}
