// The sandbox's configuration: merchants, apps and keys from a JSON file (`.dev/sandbox.json` or
// SANDBOX_CONFIG), behaviour settings from the same file, overridden by environment variables.
// Paths inside the file are relative to the file's own folder, so a key set can live anywhere.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { certificateSerial, loadPrivateKey, loadPublicKey } from '../src/wechatpay/crypto';
import { FAULT_RATE_KEYS, type FaultRates } from './faults/faults';
import { notifyUrl } from './routes/schemas';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const DEFAULT_CONFIG_PATH = join(PROJECT_ROOT, '.dev', 'sandbox.json');

const rates = z.object(Object.fromEntries(FAULT_RATE_KEYS.map((k) => [k, z.number().min(0).max(1).optional()]))).partial();

const createTimeFormat = z.enum(['rfc3339', 'compact']);

/** A coupon or discount WeChat Pay applies to every payment of a merchant (the seed's `promotion_detail`). */
export const promotionSchema = z
  .object({
    promotion_id: z.string().min(1).max(32).default('109519'),
    name: z.string().min(1).max(64).default('Sandbox discount'),
    scope: z.enum(['GLOBAL', 'SINGLE']).default('GLOBAL'),
    type: z.enum(['COUPON', 'DISCOUNT']).default('DISCOUNT'),
    /** Minor units of the order currency taken off what the payer pays. */
    amount: z.number().int().min(1),
    activity_id: z.string().min(1).max(32).default('931386'),
    /** Who funds it; the three add up to `amount` (all WeChat Pay's when none is given). */
    wechatpay_contribute_amount: z.number().int().min(0).optional(),
    merchant_contribute_amount: z.number().int().min(0).optional(),
    other_contribute_amount: z.number().int().min(0).optional(),
  })
  .transform((p, c) => {
    const given = [p.wechatpay_contribute_amount, p.merchant_contribute_amount, p.other_contribute_amount];
    const parts = given.every((v) => v === undefined) ? [p.amount, 0, 0] : given.map((v) => v ?? 0);
    if (parts[0]! + parts[1]! + parts[2]! !== p.amount) {
      c.addIssue({ code: 'custom', path: ['amount'], message: 'the three contribute amounts must add up to amount' });
    }
    return { ...p, wechatpay_contribute_amount: parts[0]!, merchant_contribute_amount: parts[1]!, other_contribute_amount: parts[2]! };
  });

/** Per-merchant behaviour: read from the file, changed at run time by POST /sandbox/merchants/:mchid/settings. */
export const merchantSettingsSchema = z
  .object({
    /** Overrides settings.paymentNotifyCreateTime for this merchant's payment notifications. */
    paymentNotifyCreateTime: createTimeFormat.nullable().optional(),
    /** Applied to each payment made while set; null removes it. */
    promotion: promotionSchema.nullable().optional(),
    /** Refundable unsettled funds in minor units (any currency); a refund above it is 403 NOT_ENOUGH. Absent/null: unlimited. */
    unsettledBalance: z.number().int().min(0).nullable().optional(),
    /** Recharged refund funds, drawn by refunds with source REFUND_SOURCE_RECHARGE_FUNDS. Absent/null: unlimited. */
    rechargeBalance: z.number().int().min(0).nullable().optional(),
    /**
     * The refund notification URL set in the merchant platform: refunds sent without `notify_url` (those made in
     * the merchant platform) are notified here. Absent/null: such refunds are not notified.
     */
    refundNotifyUrl: notifyUrl.nullable().optional(),
    /** Settlements carry wallet_region (Japan / Macao merchants with the Hong Kong wallet). */
    walletRegion: z.enum(['CHINA_MAINLAND', 'CHINA_HONGKONG']).nullable().optional(),
    /** Share (basis points) of each trade day marked as profit-sharing: reported as split_amount. */
    splitBasisPoints: z.number().int().min(0).max(10000).nullable().optional(),
  })
  .strict();
export type MerchantSettings = z.infer<typeof merchantSettingsSchema>;

const fileSchema = z.object({
  platform: z.object({ keyPath: z.string().min(1), certificatePath: z.string().min(1) }),
  merchants: z
    .array(
      z.object({
        mchid: z.string().regex(/^\d{1,32}$/),
        mode: z.enum(['direct', 'institution']),
        appids: z.array(z.string().min(1)).default([]),
        subMchids: z.array(z.string().regex(/^\d{1,32}$/)).default([]),
        subAppids: z.array(z.string().min(1)).default([]),
        certificatePath: z.string().min(1),
        // Absent means "the merchant has not set an APIv3 key": every call answers 401 SIGN_ERROR, as the real one does.
        apiV3Key: z.string().length(32).optional(),
        name: z.string().optional(),
        settings: merchantSettingsSchema.default({}),
        // WeChat Pay public key mode: the key pair's id (`PUB_KEY_ID_...`) and its private half, which the sandbox
        // signs with. `signWith` says what signs this merchant's answers and notifications (see README).
        publicKey: z.object({ id: z.string().regex(/^PUB_KEY_ID_\w{1,64}$/), keyPath: z.string().min(1) }).optional(),
        signWith: z.enum(['certificate', 'public_key', 'both']).optional(),
      }),
    )
    .min(1),
  miniprograms: z.array(z.object({ appid: z.string().min(1), secret: z.string().min(1) })).default([]),
  settings: z
    .object({
      timeScale: z.number().positive().optional(),
      prepayValiditySeconds: z.number().positive().optional(),
      closeMinAgeSeconds: z.number().min(0).optional(),
      refundSettleDelaySeconds: z.number().min(0).optional(),
      refundMinIntervalSeconds: z.number().min(0).optional(),
      loginCodeValiditySeconds: z.number().positive().optional(),
      notifyTimeoutMs: z.number().int().positive().optional(),
      notifyConnections: z.number().int().positive().max(1024).optional(),
      transactionIdField: z.enum(['id', 'transaction_id', 'both']).optional(),
      userpayingForm: z.enum(['200', '202', '403']).optional(),
      statementsAllowToday: z.boolean().optional(),
      feeRateBasisPoints: z.number().int().min(0).max(10000).optional(),
      allowFaultHeader: z.boolean().optional(),
      settlementDelayDays: z.number().int().min(0).max(30).optional(),
      notificationAssociatedData: z.enum(['typed', 'empty']).optional(),
      paymentNotifyCreateTime: createTimeFormat.optional(),
      clockSkewSeconds: z.number().int().min(-86400).max(86400).optional(),
    })
    .default({}),
  faults: z.object({ rates: rates.default({}) }).default({ rates: {} }),
});

export type SandboxFile = z.infer<typeof fileSchema>;

export interface Merchant {
  mchid: string;
  mode: 'direct' | 'institution';
  appids: string[];
  subMchids: string[];
  subAppids: string[];
  certificatePem: string;
  serial: string;
  publicKey: KeyObject;
  apiV3Key?: string;
  name: string;
  /** Mutable at run time (admin endpoint); balances go down as refunds are accepted. */
  settings: MerchantSettings;
  /** The merchant's WeChat Pay public key pair (the sandbox holds the private half). */
  wechatpayPublicKey?: { id: string; privateKey: KeyObject; publicKeyPem: string };
  /** What signs answers and notifications: platform certificates (default), the public key, or either
   * (switch-over). Mutable at runtime (POST /sandbox/merchants/:mchid/signing). */
  signWith?: SignWith;
}

export type SignWith = 'certificate' | 'public_key' | 'both';

export interface Settings {
  /** Multiplies every sandbox duration (schedule, delays, validity). Never the 300 s signature window. */
  timeScale: number;
  prepayValiditySeconds: number;
  closeMinAgeSeconds: number;
  refundSettleDelaySeconds: number;
  /** Refunds of one order at least this far apart (0: no rule); a refund sooner is refused 429 FREQUENCY_LIMITED. */
  refundMinIntervalSeconds: number;
  loginCodeValiditySeconds: number;
  notifyTimeoutMs: number;
  /** Notification requests in flight at once, all merchants together; more wait for a free one. */
  notifyConnections: number;
  transactionIdField: 'id' | 'transaction_id' | 'both';
  userpayingForm: '200' | '202' | '403';
  statementsAllowToday: boolean;
  feeRateBasisPoints: number;
  allowFaultHeader: boolean;
  settlementDelayDays: number;
  /** AAD of notification resources: `transaction` / `refund` (typed), or '' as the seed's examples show. */
  notificationAssociatedData: 'typed' | 'empty';
  /** Payment notification envelope `create_time`: RFC 3339 (what the official SDKs parse) or `yyyyMMddHHmmss` (one seed example). */
  paymentNotifyCreateTime: 'rfc3339' | 'compact';
  /** The service's clock runs this many seconds off real time: Date headers, answer and notification timestamps,
   * and the request timestamp check (the 300 s window is measured against the skewed clock). Mutable at runtime. */
  clockSkewSeconds: number;
}

export interface SandboxConfig {
  path?: string;
  platform: { privateKeyPem: string; certificatePem: string };
  merchants: Merchant[];
  miniprograms: { appid: string; secret: string }[];
  settings: Settings;
  faultRates: FaultRates;
}

export class SandboxConfigError extends Error {
  override name = 'SandboxConfigError';
}

function num(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new SandboxConfigError(`${name} must be a positive number, got "${v}"`);
  return n;
}

function skew(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.SANDBOX_CLOCK_SKEW_SECONDS;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || Math.abs(n) > 86400)
    throw new SandboxConfigError(`SANDBOX_CLOCK_SKEW_SECONDS must be whole seconds within a day, got "${v}"`);
  return n;
}

/** Builds the runtime config from the parsed file (paths resolved against `baseDir`) and the environment. */
export function buildConfig(file: unknown, baseDir: string, env: NodeJS.ProcessEnv = process.env, path?: string): SandboxConfig {
  const parsed = fileSchema.safeParse(file);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SandboxConfigError(`invalid sandbox configuration${path ? ` in ${path}` : ''}:\n  - ${problems.join('\n  - ')}`);
  }
  const f = parsed.data;
  const read = (p: string) => {
    const full = isAbsolute(p) ? p : join(baseDir, p);
    try {
      return readFileSync(full, 'utf8');
    } catch {
      throw new SandboxConfigError(`cannot read ${full} (run \`npm run keys\` to create the dev key set)`);
    }
  };
  const platform = { privateKeyPem: read(f.platform.keyPath), certificatePem: read(f.platform.certificatePath) };
  loadPrivateKey(platform.privateKeyPem);
  const merchants = f.merchants.map((m): Merchant => {
    const certificatePem = read(m.certificatePath);
    const signWith = m.signWith ?? 'certificate';
    if (signWith !== 'certificate' && !m.publicKey) {
      throw new SandboxConfigError(`merchant ${m.mchid}: signWith "${signWith}" needs publicKey {id, keyPath}`);
    }
    let wechatpayPublicKey: Merchant['wechatpayPublicKey'];
    if (m.publicKey) {
      const privateKey = loadPrivateKey(read(m.publicKey.keyPath));
      wechatpayPublicKey = {
        id: m.publicKey.id,
        privateKey,
        publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
      };
    }
    return {
      mchid: m.mchid,
      mode: m.mode,
      appids: m.appids,
      subMchids: m.subMchids,
      subAppids: m.subAppids,
      certificatePem,
      serial: certificateSerial(certificatePem),
      publicKey: loadPublicKey(certificatePem),
      apiV3Key: m.apiV3Key,
      name: m.name ?? `Sandbox merchant ${m.mchid}`,
      settings: { ...m.settings },
      wechatpayPublicKey,
      signWith,
    };
  });
  const s = f.settings;
  const settings: Settings = {
    timeScale: num(env, 'SANDBOX_TIME_SCALE') ?? s.timeScale ?? 1,
    prepayValiditySeconds: s.prepayValiditySeconds ?? 7200,
    closeMinAgeSeconds: s.closeMinAgeSeconds ?? 300,
    refundSettleDelaySeconds: num(env, 'SANDBOX_REFUND_SETTLE_SECONDS') ?? s.refundSettleDelaySeconds ?? 60,
    refundMinIntervalSeconds: s.refundMinIntervalSeconds ?? 0,
    loginCodeValiditySeconds: s.loginCodeValiditySeconds ?? 300,
    notifyTimeoutMs: num(env, 'SANDBOX_NOTIFY_TIMEOUT_MS') ?? s.notifyTimeoutMs ?? 5000,
    notifyConnections: s.notifyConnections ?? 32,
    transactionIdField: s.transactionIdField ?? 'id',
    userpayingForm: (env.SANDBOX_USERPAYING_FORM as Settings['userpayingForm'] | undefined) ?? s.userpayingForm ?? '200',
    statementsAllowToday: s.statementsAllowToday ?? true,
    feeRateBasisPoints: s.feeRateBasisPoints ?? 60,
    allowFaultHeader: env.SANDBOX_FAULT_HEADER === 'false' ? false : (s.allowFaultHeader ?? true),
    settlementDelayDays: s.settlementDelayDays ?? 1,
    notificationAssociatedData: s.notificationAssociatedData ?? 'typed',
    paymentNotifyCreateTime: s.paymentNotifyCreateTime ?? 'rfc3339',
    clockSkewSeconds: skew(env) ?? s.clockSkewSeconds ?? 0,
  };
  const envCreateTime = env.SANDBOX_PAYMENT_NOTIFY_CREATE_TIME;
  if (envCreateTime) {
    if (envCreateTime !== 'rfc3339' && envCreateTime !== 'compact') {
      throw new SandboxConfigError('SANDBOX_PAYMENT_NOTIFY_CREATE_TIME must be rfc3339 or compact');
    }
    settings.paymentNotifyCreateTime = envCreateTime;
  }
  if (!['200', '202', '403'].includes(settings.userpayingForm)) {
    throw new SandboxConfigError('SANDBOX_USERPAYING_FORM must be 200, 202 or 403');
  }
  return { path, platform, merchants, miniprograms: f.miniprograms, settings, faultRates: { ...f.faults.rates } as FaultRates };
}

/** Reads SANDBOX_CONFIG (or `.dev/sandbox.json`) and the environment. */
export function loadSandboxConfig(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  const path = resolve(env.SANDBOX_CONFIG || DEFAULT_CONFIG_PATH);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new SandboxConfigError(`no sandbox configuration at ${path}: run \`npm run keys\` first, or set SANDBOX_CONFIG`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SandboxConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  return buildConfig(json, dirname(path), env, path);
}
