// The domain's storage in memory: for unit tests of the rules (milliseconds, no database) and for tools.
// It keeps the same conditions as storage/mongo; test/unit/backend/storage-contract.test.ts runs one suite on both.
import type { Storage } from '../../domain/ports';
import type { LeaseStore } from '../../domain/ports/leases';
import { memoryCatalog, memoryCustomers } from './catalog';
import { memoryPaymentEvents, memoryRefundEvents } from './events';
import { memoryOrders } from './orders';
import { memoryReconciliation } from './reconciliation';
import { memoryRefunds } from './refunds';
import { memoryReports } from './reports';
import { memoryAudit, memoryLoginAttempts, memoryStaffUsers } from './staff';
import { memoryTills } from './tills';

function memoryLeases(): LeaseStore {
  const leases = new Map<string, { owner: string; until: Date }>();
  return {
    async acquire(name, owner, now, until) {
      const l = leases.get(name);
      if (l && l.owner !== owner && l.until > now) return false;
      leases.set(name, { owner, until });
      return true;
    },
    async release(name, owner) {
      const l = leases.get(name);
      if (l?.owner === owner) l.until = new Date(0);
    },
  };
}

export function createMemoryStorage() {
  const orders = memoryOrders();
  const refunds = memoryRefunds();
  return {
    orders,
    refunds,
    paymentEvents: memoryPaymentEvents(),
    refundEvents: memoryRefundEvents(),
    catalog: memoryCatalog(),
    customers: memoryCustomers(),
    staffUsers: memoryStaffUsers(),
    loginAttempts: memoryLoginAttempts(),
    audit: memoryAudit(),
    leases: memoryLeases(),
    reports: memoryReports(orders, refunds),
    reconciliation: memoryReconciliation(),
    tills: memoryTills(),
  } satisfies Storage;
}

export type MemoryStorage = ReturnType<typeof createMemoryStorage>;
