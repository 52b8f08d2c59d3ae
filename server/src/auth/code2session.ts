// wx.login code -> openid through WeChat's jscode2session. The session_key in the answer is dropped here:
// it never leaves this function, is never stored and never logged.
import { DomainError } from '../domain/errors';

export interface Code2SessionOptions {
  baseUrl: string;
  appid: string;
  secret: string;
  timeoutMs: number;
}

/** errcodes that mean "the code is bad" (the user must log in again) rather than "WeChat is unwell". */
const BAD_CODE = new Set([40029, 40163, 40226, 41008]);

export async function code2session(opts: Code2SessionOptions, code: string): Promise<{ openid: string; unionid?: string }> {
  const url = new URL('/sns/jscode2session', opts.baseUrl);
  url.search = new URLSearchParams({ appid: opts.appid, secret: opts.secret, js_code: code, grant_type: 'authorization_code' }).toString();
  let body: { openid?: unknown; unionid?: unknown; errcode?: unknown; errmsg?: unknown };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = (await res.json()) as typeof body;
  } catch {
    throw new DomainError('SERVICE_UNAVAILABLE', 'WeChat login is unavailable, try again');
  }
  const errcode = typeof body.errcode === 'number' ? body.errcode : 0;
  if (errcode !== 0) {
    if (BAD_CODE.has(errcode)) throw new DomainError('UNAUTHENTICATED', `login code rejected by WeChat (${errcode})`);
    if (errcode === -1 || errcode === 45011) throw new DomainError('SERVICE_UNAVAILABLE', `WeChat login is busy (${errcode})`);
    throw new DomainError('INTERNAL', `WeChat login failed (${errcode})`);
  }
  if (typeof body.openid !== 'string' || !/^[\w-]{1,64}$/.test(body.openid))
    throw new DomainError('SERVICE_UNAVAILABLE', 'WeChat login gave no openid');
  const out: { openid: string; unionid?: string } = { openid: body.openid };
  if (typeof body.unionid === 'string') out.unionid = body.unionid;
  return out;
}
