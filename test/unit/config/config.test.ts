import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../server/src/config';

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/app',
  JWT_SECRET: 'x'.repeat(40),
  WECHATPAY_MCHID: '1900000109',
  WECHATPAY_APPID: 'wx8888888888888888',
  WECHATPAY_MERCHANT_SERIAL: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
  WECHATPAY_PRIVATE_KEY_PATH: 'key.pem',
  WECHATPAY_APIV3_KEY: 'a'.repeat(32),
  WECHATPAY_NOTIFY_BASE_URL: 'https://shop.example.com',
  WECHAT_APP_SECRET: 'secret',
};

test('a valid environment parses with defaults and is frozen', () => {
  const c = loadConfig(valid);
  expect(c.PORT).toBe(3000);
  expect(c.WECHATPAY_BASE_URL).toBe('https://apihk.mch.weixin.qq.com');
  expect(c.CURRENCY).toBe('HKD');
  expect(c.SANDBOX).toBe(false);
  expect(Object.isFrozen(c)).toBe(true);
});

test('every missing or malformed variable is named', () => {
  const { MONGODB_URI: _m, ...rest } = valid;
  try {
    loadConfig({ ...rest, WECHATPAY_APIV3_KEY: 'short', PORT: 'eighty' });
    throw new Error('expected a ConfigError');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/MONGODB_URI: missing/);
    expect(problems).toMatch(/WECHATPAY_APIV3_KEY: must be exactly 32 characters/);
    expect(problems).toMatch(/PORT:/);
  }
});

test('REFUND_NOT_ENOUGH_RETRIES: 3 by default, a whole number 1..100', () => {
  expect(loadConfig(valid).REFUND_NOT_ENOUGH_RETRIES).toBe(3);
  expect(loadConfig({ ...valid, REFUND_NOT_ENOUGH_RETRIES: '5' }).REFUND_NOT_ENOUGH_RETRIES).toBe(5);
  for (const bad of ['0', '2.5', 'many', '101']) {
    expect(() => loadConfig({ ...valid, REFUND_NOT_ENOUGH_RETRIES: bad })).toThrow(/REFUND_NOT_ENOUGH_RETRIES/);
  }
});

test('institution mode requires the sub-merchant id', () => {
  expect(() => loadConfig({ ...valid, WECHATPAY_MODE: 'institution' })).toThrow(/WECHATPAY_SUB_MCHID: required in institution mode/);
  expect(loadConfig({ ...valid, WECHATPAY_MODE: 'institution', WECHATPAY_SUB_MCHID: '1900000110' }).WECHATPAY_SUB_MCHID).toBe('1900000110');
});

test('the backend exits non-zero naming the bad variable', () => {
  const root = join(__dirname, '..', '..', '..');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'server/src/main.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH, ...valid, JWT_SECRET: 'too-short' },
    encoding: 'utf8',
    timeout: 20000,
  });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/JWT_SECRET: must be at least 32 characters/);
});
