// Staff users for tests: seed one straight into a backend database, then log in over HTTP.
import { createStaff } from '../../scripts/create-staff';
import type { StaffLoginResponse, StaffRole } from '../../shared/api';

export const TEST_STAFF_PASSWORD = 'correct-horse-battery';

/** Creates (or resets) `username` with `role` in the database at `dbUri`. */
export async function seedStaff(dbUri: string, username: string, role: StaffRole, password = TEST_STAFF_PASSWORD): Promise<void> {
  await createStaff(dbUri, username, password, role, true);
}

/** POST /api/admin/login; throws unless 200. */
export async function loginStaff(baseUrl: string, username: string, password = TEST_STAFF_PASSWORD): Promise<StaffLoginResponse> {
  const res = await fetch(`${baseUrl}/api/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const json = (await res.json()) as StaffLoginResponse;
  if (res.status !== 200) throw new Error(`staff login ${username}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Seeds and logs in; returns the token. */
export async function staffToken(baseUrl: string, dbUri: string, username: string, role: StaffRole): Promise<string> {
  await seedStaff(dbUri, username, role);
  return (await loginStaff(baseUrl, username)).token;
}
