// The transport: one wx.request call as a promise. No auth, no retries (see request.ts).
import { API_BASE_URL } from '../generated/env';
import { AppError } from './errors';

export const REQUEST_TIMEOUT_MS = 15000;

export type Method = 'GET' | 'POST';

export interface RawResponse {
  status: number;
  body: unknown;
}

export function apiUrl(path: string): string {
  return `${API_BASE_URL}${path}`;
}

export function send(method: Method, path: string, data: unknown, token: string | undefined): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const header: Record<string, string> = { Accept: 'application/json' };
    if (data !== undefined) header['Content-Type'] = 'application/json';
    if (token) header.Authorization = `Bearer ${token}`;
    wx.request({
      url: apiUrl(path),
      method,
      data: data === undefined ? undefined : (data as WechatMiniprogram.IAnyObject),
      header,
      dataType: 'json',
      timeout: REQUEST_TIMEOUT_MS,
      success: (res) => resolve({ status: res.statusCode, body: res.data }),
      fail: (err) => {
        // "request:fail timeout" vs anything else (DNS, refused, offline, url not in the domain list).
        const timedOut = /timeout|timed out/i.test(err.errMsg);
        reject(new AppError(timedOut ? 'TIMEOUT' : 'NETWORK', 0, true));
      },
    });
  });
}
