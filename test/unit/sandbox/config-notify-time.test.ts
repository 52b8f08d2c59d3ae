// The sandbox's payment notification create_time setting: file, per merchant, environment.
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildConfig } from '../../../server/sandbox/config';
import { freshKeySet } from '../../support/sandbox-process';

test('the setting comes from the file or SANDBOX_PAYMENT_NOTIFY_CREATE_TIME; anything else is refused', () => {
  const { dir: keyDir, view } = freshKeySet({ paymentNotifyCreateTime: 'compact' });
  const file = JSON.parse(readFileSync(view.keys.configPath, 'utf8'));
  const dir = dirname(view.keys.configPath);
  expect(buildConfig(file, dir, {}).settings.paymentNotifyCreateTime).toBe('compact');
  expect(buildConfig({ ...file, settings: {} }, dir, {}).settings.paymentNotifyCreateTime).toBe('rfc3339');
  expect(
    buildConfig({ ...file, settings: {} }, dir, { SANDBOX_PAYMENT_NOTIFY_CREATE_TIME: 'compact' }).settings.paymentNotifyCreateTime,
  ).toBe('compact');
  expect(() => buildConfig(file, dir, { SANDBOX_PAYMENT_NOTIFY_CREATE_TIME: 'unix' })).toThrow(/rfc3339 or compact/);
  const perMerchant = {
    ...file,
    merchants: file.merchants.map((x: object) => ({ ...x, settings: { paymentNotifyCreateTime: 'compact' } })),
  };
  expect(buildConfig(perMerchant, dir, {}).merchants[0]!.settings.paymentNotifyCreateTime).toBe('compact');
  rmSync(keyDir, { recursive: true, force: true });
});
