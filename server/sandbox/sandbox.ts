// Wires the sandbox's parts: configuration, ledger, platform keys, notifier, refund settler and faults.
import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import pino, { type Logger } from 'pino';
import { createClock, type Clock } from './clock';
import type { Merchant, SandboxConfig } from './config';
import { FaultBook } from './faults/faults';
import { PlatformKeyring } from './keys/platform';
import { MerchantSigning } from './keys/signing';
import { Ledger } from './ledger/ledger';
import { createModels, type Models, type OrderDoc } from './ledger/models';
import { DueLoop } from './notifier/due-loop';
import { Notifier } from './notifier/notifier';
import { refundNotification, transaction } from './routes/presenters';

export interface Sandbox {
  config: SandboxConfig;
  merchants: Map<string, Merchant>;
  models: Models;
  clock: Clock;
  ledger: Ledger;
  keyring: PlatformKeyring;
  /** Platform certificate or public key, per merchant (see keys/signing.ts). */
  signing: MerchantSigning;
  /** Real time plus the clock skew setting: the service's wall clock for signatures and Date headers. */
  wallNow(): number;
  notifier: Notifier;
  settler: DueLoop;
  faults: FaultBook;
  log: Logger;
  /** The stable openid of sandbox user `user` under `appid`. */
  openid(appid: string, user: string): string;
  quickPayPayer(m: Merchant, apps: { appid: string; sub_appid?: string }): OrderDoc['payer'];
  start(): void;
  stop(): Promise<void>;
}

export interface SandboxDeps {
  config: SandboxConfig;
  connection: Connection;
  log?: Logger;
  now?: () => number;
}

export function openidFor(appid: string, user: string): string {
  // 28 characters like real openids; derived, so a user keeps one openid per app across restarts.
  return 'o' + createHash('sha256').update(`${appid}\n${user}`).digest('base64url').slice(0, 27);
}

export async function createSandbox(deps: SandboxDeps): Promise<Sandbox> {
  const { config } = deps;
  const log = deps.log ?? pino({ name: 'sandbox', level: process.env.SANDBOX_LOG_LEVEL ?? 'info' });
  const clock = createClock(config.settings.timeScale, deps.now);
  const models = await createModels(deps.connection);
  const merchants = new Map(config.merchants.map((m) => [m.mchid, m]));
  const keyring = await PlatformKeyring.open(models, clock, config.platform);
  const faults = new FaultBook(config.faultRates);
  const signing = new MerchantSigning(keyring, merchants);
  const notifier = new Notifier({
    models,
    clock,
    keyring,
    signer: (merchantKey) => signing.forNotification(merchantKey),
    offsetMs: () => config.settings.clockSkewSeconds * 1000,
    faults,
    timeoutMs: config.settings.notifyTimeoutMs,
    connections: config.settings.notifyConnections,
    log,
  });
  // Refunds settle in the background; the ledger kicks it when a refund is created.
  const settler: DueLoop = new DueLoop(
    () => ledger.settleDue(),
    (err) => log.warn({ err }, 'refund settlement failed'),
  );

  const merchantOf = (mchid: string) => merchants.get(mchid)!;
  const aad = (typed: string) => (config.settings.notificationAssociatedData === 'empty' ? '' : typed);
  const ledger = new Ledger(
    models,
    clock,
    config.settings,
    {
      async paid(o) {
        if (!o.notify_url) return;
        await notifier.enqueue({
          event_type: 'TRANSACTION.SUCCESS',
          summary: '支付成功',
          original_type: 'transaction',
          associated_data: aad('transaction'),
          plaintext: transaction(o, config.settings.transactionIdField),
          apiV3Key: merchantOf(o.mchid).apiV3Key!,
          url: o.notify_url,
          merchantKey: o.merchantKey,
          out_trade_no: o.out_trade_no,
          // RFC 3339 unless asked: the seed's payment example is compact, but the official SDKs reject that form.
          createTimeFormat: merchantOf(o.mchid).settings.paymentNotifyCreateTime ?? config.settings.paymentNotifyCreateTime,
          markers: o.attach,
        });
      },
      async refundSettled(r, o) {
        // The request's notify_url, else the refund notification URL set in the merchant platform (never the
        // order's payment URL: that one receives payment results only).
        const url = r.notify_url ?? merchantOf(o.mchid).settings.refundNotifyUrl ?? undefined;
        if (!url) return;
        const kind = r.status === 'SUCCESS' ? 'SUCCESS' : r.status === 'REFUNDCLOSE' ? 'CLOSED' : 'ABNORMAL';
        await notifier.enqueue({
          event_type: `REFUND.${kind}`,
          summary: kind === 'SUCCESS' ? '退款成功' : kind === 'CLOSED' ? '退款关闭' : '退款异常',
          original_type: 'refund',
          associated_data: aad('refund'),
          plaintext: refundNotification(r, o),
          apiV3Key: merchantOf(o.mchid).apiV3Key!,
          url,
          merchantKey: o.merchantKey,
          out_trade_no: o.out_trade_no,
          out_refund_no: r.out_refund_no,
          createTimeFormat: 'rfc3339',
          markers: o.attach,
        });
      },
      refundCreated() {
        settler.kick();
      },
    },
    (mchid) => merchants.get(mchid)?.settings ?? {},
  );

  return {
    config,
    merchants,
    models,
    clock,
    ledger,
    keyring,
    signing,
    wallNow: () => Date.now() + config.settings.clockSkewSeconds * 1000,
    notifier,
    settler,
    faults,
    log,
    openid: openidFor,
    quickPayPayer(m, apps) {
      if (m.mode === 'direct') return { openid: openidFor(apps.appid, 'quickpay') };
      return apps.sub_appid ? { sub_openid: openidFor(apps.sub_appid, 'quickpay') } : { sp_openid: openidFor(apps.appid, 'quickpay') };
    },
    start() {
      notifier.start();
      settler.start();
    },
    async stop() {
      settler.stop();
      await Promise.all([notifier.stop(), settler.idle()]);
    },
  };
}
