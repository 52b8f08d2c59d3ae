// What each staff role may do: the one table both the staff API (which enforces it) and the console (which
// hides what would be refused) read. Plain objects only.
import type { StaffRole } from './api';

export type Capability = 'orders' | 'refund' | 'close' | 'pos' | 'statements' | 'settlements';

export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'cashier', 'viewer'];

const CAPABILITIES: Readonly<Record<StaffRole, readonly Capability[]>> = {
  admin: ['orders', 'refund', 'close', 'pos', 'statements', 'settlements'],
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
