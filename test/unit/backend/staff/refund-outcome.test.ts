import { classifyRefundError, DEFAULT_RETRY_DELAYS_MS, retryDelayMs } from '../../../../server/src/domain/refund-outcome';
import { WechatPayError } from '../../../../server/src/wechatpay';

const api = (status: number, code: string) => new WechatPayError({ kind: 'api', status, code, message: code });

test.each([
  [api(403, 'NOT_ENOUGH'), true],
  [api(400, 'BIZERR_NEED_RETRY'), true],
  [api(429, 'RATELIMIT_EXCEEDED'), true],
  [api(429, 'FREQUENCY_LIMITED'), true],
  [api(500, 'SYSTEM_ERROR'), true],
  [api(502, 'SERVICE_UNAVAILABLE'), true],
  [api(401, 'SIGN_ERROR'), true],
  [new WechatPayError({ kind: 'timeout', code: 'TIMEOUT', message: 't' }), true],
  [new WechatPayError({ kind: 'network', code: 'NETWORK_ERROR', message: 'n' }), true],
  [new WechatPayError({ kind: 'signature', code: 'RESPONSE_SIGNATURE_INVALID', message: 's' }), true],
  [new Error('socket hang up'), true],
  [api(400, 'PARAM_ERROR'), false],
  [api(400, 'INVALID_REQUEST'), false],
  [api(403, 'OUT_REFUND_NO_USED'), false],
  [api(403, 'NO_AUTH'), false],
  [api(404, 'ORDER_NOT_EXIST'), false],
  [new WechatPayError({ kind: 'invalid_input', code: 'INVALID_INPUT', message: 'i' }), false],
])('%s -> retry %s', (err, retry) => {
  const c = classifyRefundError(err);
  expect(c.retry).toBe(retry);
  expect(typeof c.code).toBe('string');
});

test('retry delays grow and then repeat the last step', () => {
  expect(retryDelayMs(1, DEFAULT_RETRY_DELAYS_MS)).toBe(10_000);
  expect(retryDelayMs(2, DEFAULT_RETRY_DELAYS_MS)).toBe(30_000);
  expect(retryDelayMs(99, DEFAULT_RETRY_DELAYS_MS)).toBe(3600_000);
  expect(retryDelayMs(0, [5, 7])).toBe(5);
});
