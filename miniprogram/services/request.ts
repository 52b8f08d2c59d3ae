// Authenticated JSON requests to the backend. On a 401 the session is renewed silently once and
// the request repeated once; a second 401 is reported.
import { fromResponse, AppError } from './errors';
import { send, type Method } from './http';
import { getToken, renewToken } from './session';

export interface RequestOptions {
  method?: Method;
  data?: unknown;
  /** false for the public endpoints (config, products). */
  auth?: boolean;
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const auth = options.auth !== false;
  let token = auth ? await getToken() : undefined;
  let res = await send(method, path, options.data, token);
  if (res.status === 401 && token) {
    token = await renewToken(token);
    res = await send(method, path, options.data, token);
  }
  if (!isOk(res.status)) throw fromResponse(res.status, res.body);
  if (res.body === null || typeof res.body !== 'object') throw new AppError('BAD_RESPONSE', res.status, true);
  return res.body as T;
}
