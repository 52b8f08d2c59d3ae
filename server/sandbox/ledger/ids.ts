// Identifiers in the shapes WeChat Pay uses: 28-digit transaction ids, 29-digit refund ids, `wx...` prepay ids.
import { randomBytes, randomInt } from 'node:crypto';
import { randomBytesPooled } from '../../src/wechatpay/crypto/random-pool';
import { compactTime, gmt8Date } from '../clock';

function digits(n: number): string {
  let s = '';
  while (s.length < n) s += String(randomInt(0, 1e9)).padStart(9, '0');
  return s.slice(0, n);
}

export const transactionId = (now: number) => `4200${gmt8Date(now)}${digits(16)}`;
export const refundId = (now: number) => `5030${gmt8Date(now)}${digits(17)}`;
export const prepayId = (now: number) => `wx${compactTime(now)}${randomBytesPooled(10).toString('hex')}`;
export const requestId = () => randomBytesPooled(16).toString('hex').toUpperCase();
/** A wx.login-style code: 32 characters of [0-9A-Za-z]. */
export const loginCode = () => {
  const a = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const b = randomBytes(32);
  return Array.from(b, (x) => a[x % a.length]).join('');
};
