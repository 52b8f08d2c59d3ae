// What each staff role may do: the one table both the staff API (which enforces it) and the console (which
// hides what would be refused) read. Plain objects only.
import type { StaffRole } from './api';

// `tills`: add, edit and disable the Quick Pay tills (every role reads them: cashiers choose one, viewers filter
// statements by store).
export type Capability = 'orders' | 'refund' | 'close' | 'pos' | 'statements' | 'settlements' | 'tills';

export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'cashier', 'viewer'];

const CAPABILITIES: Readonly<Record<StaffRole, readonly Capability[]>> = {
  admin: ['orders', 'refund', 'close', 'pos', 'statements', 'settlements', 'tills'],
  cashier: ['orders', 'pos', 'statements', 'settlements'],
  viewer: ['orders', 'statements', 'settlements'],
};

export function can(role: StaffRole, capability: Capability): boolean {
  return CAPABILITIES[role]?.includes(capability) ?? false;
}

/** The roles that have `capability`. */
export function rolesWith(capability: Capability): StaffRole[] {
  return STAFF_ROLES.filter((r) => can(r, capability));
}

export function isStaffRole(v: unknown): v is StaffRole {
  return typeof v === 'string' && (STAFF_ROLES as readonly string[]).includes(v);
}
