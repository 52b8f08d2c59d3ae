import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSandboxConfig } from '../../../server/sandbox/config';
import { generateDevKeys } from '../../../server/sandbox/keys/generate-dev-keys';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'devkeys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('writes keys, a sandbox config the sandbox loads and a backend env that matches it; idempotent unless forced', () => {
  const k = generateDevKeys(dir);
  const config = loadSandboxConfig({ SANDBOX_CONFIG: k.configPath });
  const direct = config.merchants.find((m) => m.mode === 'direct')!;
  expect(direct.mchid).toBe(k.direct.mchid);
  expect(direct.serial).toBe(k.direct.serial);
  expect(config.merchants.find((m) => m.mode === 'institution')!.subMchids).toEqual([k.institution.subMchid]);
  const env = readFileSync(k.backendEnvPath, 'utf8');
  expect(env).toContain(`WECHATPAY_MCHID=${k.direct.mchid}`);
  expect(env).toContain(`WECHATPAY_MERCHANT_SERIAL=${k.direct.serial}`);
  expect(env).toMatch(/^WECHATPAY_APIV3_KEY=[A-Za-z0-9]{32}$/m);
  expect(env).toMatch(/^JWT_SECRET=.{48}$/m);
  expect(readFileSync(k.direct.privateKeyPath, 'utf8')).toContain('BEGIN PRIVATE KEY');

  const again = generateDevKeys(dir);
  expect(again.direct.serial).toBe(k.direct.serial);
  const forced = generateDevKeys(dir, { force: true });
  expect(forced.direct.serial).not.toBe(k.direct.serial);
  expect(readFileSync(forced.backendEnvPath, 'utf8').match(/^JWT_SECRET=.*$/m)![0]).toBe(env.match(/^JWT_SECRET=.*$/m)![0]);
});

test('SANDBOX_TIME_SCALE overrides the file; a bad value is a clear error', () => {
  const k = generateDevKeys(dir);
  expect(loadSandboxConfig({ SANDBOX_CONFIG: k.configPath, SANDBOX_TIME_SCALE: '0.001' }).settings.timeScale).toBe(0.001);
  expect(() => loadSandboxConfig({ SANDBOX_CONFIG: k.configPath, SANDBOX_TIME_SCALE: 'fast' })).toThrow(/SANDBOX_TIME_SCALE/);
  expect(() => loadSandboxConfig({ SANDBOX_CONFIG: join(dir, 'none.json') })).toThrow(/npm run keys/);
});
