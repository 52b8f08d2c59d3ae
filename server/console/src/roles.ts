// The console shows only what the staff API would allow: the rules are shared/roles.ts, which the API enforces.
export { can, isStaffRole, type Capability } from '../../../shared/roles';
