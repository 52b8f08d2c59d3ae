// The role table the staff API enforces and the console follows (shared/roles.ts), as docs/staff-api.md states it.
import { can, isStaffRole, rolesWith } from '../../../../shared/roles';
import { can as consoleCan } from '../../../../server/console/src/roles';

test('viewer reads; cashier reads and charges; admin also refunds and closes', () => {
  expect(rolesWith('orders')).toEqual(['admin', 'cashier', 'viewer']);
  expect(rolesWith('statements')).toEqual(['admin', 'cashier', 'viewer']);
  expect(rolesWith('settlements')).toEqual(['admin', 'cashier', 'viewer']);
  expect(rolesWith('pos')).toEqual(['admin', 'cashier']);
  expect(rolesWith('refund')).toEqual(['admin']);
  expect(rolesWith('close')).toEqual(['admin']);
  expect(can('viewer', 'pos')).toBe(false);
});

test('the console reads the same table', () => {
  expect(consoleCan).toBe(can);
});

test('isStaffRole accepts the three roles only', () => {
  expect(['admin', 'cashier', 'viewer'].every(isStaffRole)).toBe(true);
  expect([undefined, 'root', 'ADMIN', 1, {}].some(isStaffRole)).toBe(false);
});
