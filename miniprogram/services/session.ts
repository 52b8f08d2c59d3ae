// Customer login: wx.login code -> backend JWT, kept in storage until it expires.
// One login at a time: concurrent requests share the same attempt.
// Against the sandbox, wx.login's codes mean nothing (only WeChat's servers know them): the code comes from
// the sandbox, through the backend, for a test user kept on this device.
import type { LoginRequest, LoginResponse, SandboxLoginCodeRequest, SandboxLoginCodeResponse } from '../../shared/api';
import { getClientConfig } from './config';
import { AppError, fromResponse } from './errors';
import { send } from './http';

export const TOKEN_STORAGE_KEY = 'session';
export const SANDBOX_USER_STORAGE_KEY = 'sandboxUser';
/** Treat a token as expired this long before it really is, so it does not expire in flight. */
const EXPIRY_MARGIN_MS = 30000;

interface StoredSession {
  token: string;
  expiresAt: number; // epoch ms
}

let inflight: Promise<string> | null = null;

function readStored(): StoredSession | null {
  try {
    const s = wx.getStorageSync(TOKEN_STORAGE_KEY) as unknown;
    if (
      s &&
      typeof s === 'object' &&
      typeof (s as StoredSession).token === 'string' &&
      typeof (s as StoredSession).expiresAt === 'number'
    ) {
      return s as StoredSession;
    }
  } catch {
    // unreadable storage: log in again
  }
  return null;
}

function wxLoginCode(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new AppError('LOGIN_FAILED', 0, true))),
      fail: () => reject(new AppError('LOGIN_FAILED', 0, true)),
    });
  });
}

/** This device's sandbox test user: the same simulated customer (and orders) across launches. */
function sandboxUser(): string {
  const stored = wx.getStorageSync(SANDBOX_USER_STORAGE_KEY) as unknown;
  if (typeof stored === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(stored)) return stored;
  let user = 'mp-';
  while (user.length < 15) user += Math.floor(Math.random() * 36).toString(36);
  wx.setStorageSync(SANDBOX_USER_STORAGE_KEY, user);
  return user;
}

async function sandboxLoginCode(): Promise<string> {
  const body: SandboxLoginCodeRequest = { user: sandboxUser() };
  const res = await send('POST', '/api/sandbox/login-code', body, undefined);
  const data = res.body as Partial<SandboxLoginCodeResponse> | null;
  if (res.status !== 200) throw fromResponse(res.status, res.body);
  if (!data || typeof data.code !== 'string') throw new AppError('BAD_RESPONSE', res.status, true);
  return data.code;
}

async function login(): Promise<string> {
  const config = await getClientConfig();
  const code = config.sandbox ? await sandboxLoginCode() : await wxLoginCode();
  const body: LoginRequest = { code };
  const res = await send('POST', '/api/auth/login', body, undefined);
  if (res.status !== 200 && res.status !== 201) throw fromResponse(res.status, res.body);
  const data = res.body as Partial<LoginResponse> | null;
  if (!data || typeof data.token !== 'string' || typeof data.expiresIn !== 'number') throw new AppError('BAD_RESPONSE', res.status, true);
  const stored: StoredSession = { token: data.token, expiresAt: Date.now() + data.expiresIn * 1000 };
  wx.setStorageSync(TOKEN_STORAGE_KEY, stored);
  return stored.token;
}

function loginOnce(): Promise<string> {
  if (!inflight) {
    inflight = login().finally(() => {
      inflight = null;
    });
  }
  return inflight;
}

/** A valid token: the stored one, or a fresh login. */
export function getToken(): Promise<string> {
  const stored = readStored();
  if (stored && stored.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return Promise.resolve(stored.token);
  return loginOnce();
}

/**
 * After a 401 with `rejected`: log in again, unless another request already replaced that token.
 */
export function renewToken(rejected: string): Promise<string> {
  const stored = readStored();
  if (stored && stored.token !== rejected && stored.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return Promise.resolve(stored.token);
  if (stored && stored.token === rejected) wx.removeStorageSync(TOKEN_STORAGE_KEY);
  return loginOnce();
}

export function signOut(): void {
  wx.removeStorageSync(TOKEN_STORAGE_KEY);
}
