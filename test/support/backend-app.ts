// The backend app in-process, built by the same composition root as main.ts (composeBackend), for tests of the
// HTTP edge that need no WeChat Pay: storage in memory unless given, and a gateway that refuses every call.
import type { Storage } from '../../server/src/domain/ports';
import type { PaymentGateway } from '../../server/src/domain/ports/payment-gateway';
import { composeBackend, type Backend } from '../../server/src/compose';
import { loadConfig } from '../../server/src/config';
import type { DatabaseHealth } from '../../server/src/http/routes/health';
import { createLogger } from '../../server/src/logger';
import { createMemoryStorage } from '../../server/src/storage/memory';

export const TEST_ENV = {
  MONGODB_URI: 'mongodb://127.0.0.1:1/unused',
  JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
  WECHATPAY_MCHID: '1900000001',
  WECHATPAY_APPID: 'wx0123456789abcdef',
  WECHATPAY_MERCHANT_SERIAL: '0123456789ABCDEF0123456789ABCDEF01234567',
  WECHATPAY_PRIVATE_KEY_PATH: '/nonexistent',
  WECHATPAY_APIV3_KEY: '0123456789abcdef0123456789abcdef',
  WECHATPAY_NOTIFY_BASE_URL: 'https://shop.example.com',
  WECHAT_APP_SECRET: 'secret',
  LOG_LEVEL: 'silent',
};

/** A PaymentGateway whose every call fails: for tests that must not reach WeChat Pay. */
export function refusingGateway(): PaymentGateway {
  const refuse = () => Promise.reject(new Error('WeChat Pay is not reachable in this test'));
  return {
    identity: { mode: 'direct', mchid: TEST_ENV.WECHATPAY_MCHID, appid: TEST_ENV.WECHATPAY_APPID },
    prepay: refuse,
    paymentParams: refuse,
    queryByOutTradeNo: refuse,
    close: refuse,
    micropay: refuse,
    reverse: refuse,
    refund: refuse,
    queryRefund: refuse,
    listRefunds: refuse,
    statement: refuse,
    settlements: refuse,
    parseNotification: refuse,
    ready: async () => false,
  };
}

export function testBackend(
  o: {
    env?: Record<string, string>;
    storage?: Storage;
    gateway?: PaymentGateway;
    database?: DatabaseHealth;
    readinessChecks?: Record<string, () => boolean | Promise<boolean>>;
  } = {},
): Backend {
  return composeBackend({
    config: loadConfig({ ...TEST_ENV, ...o.env }),
    storage: o.storage ?? createMemoryStorage(),
    gateway: o.gateway ?? refusingGateway(),
    logger: createLogger('silent'),
    owner: 'test',
    database: o.database ?? { ping: async () => true, state: () => 'connected' },
    ...(o.readinessChecks ? { readinessChecks: o.readinessChecks } : {}),
  });
}
