// The domain's storage on MongoDB (mongoose). `init()` builds every index before the app serves.
import type { Connection } from 'mongoose';
import type { Storage } from '../../domain/ports';
import { mongoCatalog, mongoCustomers } from './catalog';
import { mongoPaymentEvents, mongoRefundEvents } from './events';
import { mongoLeases } from './leases';
import { initAllModels } from './models';
import { mongoOrders } from './orders';
import { mongoReconciliation } from './reconciliation';
import { mongoRefunds } from './refunds';
import { mongoReports } from './reports';
import { mongoAudit, mongoLoginAttempts, mongoStaffUsers } from './staff';
import { mongoTills } from './tills';

export { connectDatabase, databaseState, pingDatabase } from './connection';

export function createMongoStorage(conn: Connection): Storage & { init(): Promise<void> } {
  const parts = {
    orders: mongoOrders(conn),
    refunds: mongoRefunds(conn),
    paymentEvents: mongoPaymentEvents(conn),
    refundEvents: mongoRefundEvents(conn),
    catalog: mongoCatalog(conn),
    customers: mongoCustomers(conn),
    staffUsers: mongoStaffUsers(conn),
    loginAttempts: mongoLoginAttempts(conn),
    audit: mongoAudit(conn),
    reconciliation: mongoReconciliation(conn),
    tills: mongoTills(conn),
  };
  return {
    ...parts,
    leases: mongoLeases(conn),
    reports: mongoReports(conn),
    async init() {
      // Every declared model's indexes, including those only a tool reads (the doctor checks the same list).
      await Promise.all([...Object.values(parts).map((p) => p.init()), initAllModels(conn)]);
    },
  };
}
