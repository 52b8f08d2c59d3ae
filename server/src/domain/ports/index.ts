// Everything the domain needs from storage, as one bundle: `storage/mongo` and `storage/memory` each build one.
import type { ReportSource } from '../dashboard';
import type { CustomerRepository, ProductCatalog } from './catalog';
import type { PaymentEventLog, RefundEventLog } from './events';
import type { LeaseStore } from './leases';
import type { OrderRepository } from './orders';
import type { ReconciliationRepository } from './reconciliation';
import type { RefundRepository } from './refunds';
import type { AuditRepository, LoginAttemptStore, StaffUserRepository } from './staff';
import type { TillRepository } from './tills';

export interface Storage {
  orders: OrderRepository;
  refunds: RefundRepository;
  paymentEvents: PaymentEventLog;
  refundEvents: RefundEventLog;
  catalog: ProductCatalog;
  customers: CustomerRepository;
  staffUsers: StaffUserRepository;
  loginAttempts: LoginAttemptStore;
  audit: AuditRepository;
  leases: LeaseStore;
  reports: ReportSource;
  reconciliation: ReconciliationRepository;
  tills: TillRepository;
}
