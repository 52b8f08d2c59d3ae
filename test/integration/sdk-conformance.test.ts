// The official WeChat Pay Go SDK (wechatpay-go) as a merchant against the sandbox process, in direct and
// institution mode: its signer on every request, its validator on every answer, its notify handler on the
// notifications (see docs/conformance.md). The Go program (test/conformance) is built into .tools/bin once
// per source change; each of its checks must pass, and each expected check must have run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureConformanceBinary } from '../support/conformance-build';
import { startSandboxProcess, type SandboxProcess } from '../support/sandbox-process';

const CHECKS = [
  'certificates download, decrypt and verify',
  'jsapi order + cashier payment',
  'payment notification (notify handler: signature, AES-GCM, RFC 3339 create_time)',
  'query by out_trade_no',
  'query by transaction id',
  'refund',
  'refund notification (notify handler)',
  'refund query by out_refund_no',
  'refund query by id',
  'all refunds of an order',
  'close (204 verified by the validator)',
  'Quick Pay (micropay) and reverse',
  'statement download, SHA-1 and signature over {"sha1":...}',
  'settlements (no offset/limit, as the seed allows)',
  'compact create_time is rejected by the SDK (why RFC 3339 is the default)',
];

interface CheckLine {
  mode: string;
  check: string;
  ok: boolean;
  detail?: string;
}

let sb: SandboxProcess;
let bin: string;
let dir: string;
beforeAll(async () => {
  // Building first: a cold build (SDK download + compile) must not eat the sandbox's time.
  const build = ensureConformanceBinary((m) => process.stderr.write(`${m}\n`));
  if (build.built) process.stderr.write(`conformance program built in ${build.ms} ms\n`);
  bin = build.bin;
  sb = await startSandboxProcess({ timeScale: 0.1, settings: { settlementDelayDays: 0, refundSettleDelaySeconds: 1 } });
  dir = mkdtempSync(join(tmpdir(), 'wxpay-conformance-'));
}, 1200000);
afterAll(async () => {
  await sb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runProgram(configPath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(bin, [configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150000);
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

test('wechatpay-go agrees with the sandbox in direct and institution mode', async () => {
  const { direct: d, institution: i } = sb.config;
  const configPath = join(dir, 'conformance.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      base_url: sb.baseUrl,
      merchants: [
        { mode: 'direct', mchid: d.mchid, appid: d.appid, serial: d.serial, private_key_path: d.privateKeyPath, api_v3_key: d.apiV3Key },
        {
          mode: 'institution',
          mchid: i.mchid,
          appid: i.appid,
          sub_mchid: i.subMchid,
          sub_appid: i.subAppid,
          serial: i.serial,
          private_key_path: i.privateKeyPath,
          api_v3_key: i.apiV3Key,
        },
      ],
    }),
  );
  const started = Date.now();
  const out = await runProgram(configPath);
  process.stderr.write(`conformance program ran in ${Date.now() - started} ms\n`);
  const lines: CheckLine[] = out.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as CheckLine);
  const failures = lines.filter((l) => !l.ok).map((l) => `[${l.mode}] ${l.check}: ${l.detail}`);
  const missing = ['direct', 'institution'].flatMap((mode) =>
    CHECKS.filter((c) => !lines.some((l) => l.mode === mode && l.check === c)).map((c) => `[${mode}] ${c}: did not run`),
  );
  const problems = [...failures, ...missing];
  if (problems.length > 0 || out.code !== 0) {
    throw new Error(`wechatpay-go disagrees with the sandbox (exit ${out.code}):\n  ${problems.join('\n  ')}\n${out.stderr}`);
  }
  expect(lines).toHaveLength(CHECKS.length * 2);
}, 240000);
