// The staff token lives in sessionStorage: it dies with the tab and is never shared with other tabs or
// persisted to disk the way localStorage is.
import type { StaffLoginResponse, StaffRole } from '../../../shared/api';
import { isStaffRole } from './roles';

const KEY = 'console.session';

export interface Session {
  token: string;
  role: StaffRole;
  username: string;
  expiresAt: number; // epoch ms
}

export function saveSession(res: StaffLoginResponse, now = Date.now()): Session {
  const session: Session = { token: res.token, role: res.role, username: res.username, expiresAt: now + res.expiresIn * 1000 };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

/** The current session, or null when absent, malformed or expired. */
export function currentSession(now = Date.now()): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Partial<Session>;
    if (
      typeof s.token === 'string' &&
      isStaffRole(s.role) &&
      typeof s.username === 'string' &&
      typeof s.expiresAt === 'number' &&
      s.expiresAt > now
    ) {
      return s as Session;
    }
  } catch {
    // fall through: a damaged entry is the same as none
  }
  sessionStorage.removeItem(KEY);
  return null;
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
