// What each staff role may do in the console. The API enforces the same rules; this only hides what would be
// refused anyway, so a person is not offered a button that cannot work.
import type { StaffRole } from '../../../shared/api';

export type Capability = 'orders' | 'refund' | 'close' | 'pos' | 'statements' | 'settlements';

const CAPABILITIES: Readonly<Record<StaffRole, readonly Capability[]>> = {
  admin: ['orders', 'refund', 'close', 'pos', 'statements', 'settlements'],
  cashier: ['orders', 'pos'],
  viewer: ['orders', 'statements', 'settlements'],
};

export function can(role: StaffRole, capability: Capability): boolean {
  return CAPABILITIES[role]?.includes(capability) ?? false;
}

export function isStaffRole(v: unknown): v is StaffRole {
  return v === 'admin' || v === 'cashier' || v === 'viewer';
}
