// Notifications: the resource encrypted once with the merchant's APIv3 key, the envelope serialised once, each
// attempt signed afresh with the platform key signing now. Retried on the official schedule (time-scaled)
// until a 200/204; every attempt is written to the delivery log, and the queue lives in MongoDB so a restart
// resumes it.
import { randomUUID } from 'node:crypto';
import { encryptAesGcm, randomNonce } from '../../src/wechatpay/crypto';
import type { Clock } from '../clock';
import { compactTime, rfc3339 } from '../clock';
import { FaultBook, isNotifyFault, markedFaults, NOTIFY_RATE_KEYS, type FaultName } from '../faults/faults';
import type { PlatformKeyring } from '../keys/platform';
import type { DeliveryDoc, Models, NotificationDoc } from '../ledger/models';
import { signatureHeaders } from '../protocol/sign-response';
import type { Signer } from '../keys/signing';
import { DueLoop } from './due-loop';

/** Seconds between attempts: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h (24 h 4 min in all). */
export const RETRY_INTERVALS_S = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];
/** Offset of attempt n (0-based) from the first one, in seconds. */
export const ATTEMPT_OFFSETS_S = RETRY_INTERVALS_S.reduce((acc, s) => [...acc, acc[acc.length - 1]! + s], [0]);

export interface NotificationSpec {
  event_type: 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS' | 'REFUND.CLOSED' | 'REFUND.ABNORMAL';
  summary: string;
  original_type: 'transaction' | 'refund';
  associated_data: string;
  plaintext: Record<string, unknown>;
  apiV3Key: string;
  url: string;
  merchantKey: string;
  out_trade_no?: string;
  out_refund_no?: string;
  createTimeFormat: 'rfc3339' | 'compact';
  /** Text that may carry `sandbox:notify-...` markers (the order's attach). */
  markers?: string;
}

export interface NotifierDeps {
  models: Models;
  clock: Clock;
  keyring: PlatformKeyring;
  /** Who signs a notification to this merchant (default: the platform certificate signing now). */
  signer?: (merchantKey: string) => Signer;
  /** Milliseconds the service's clock runs ahead of the simulation clock (clock skew setting). */
  offsetMs?: () => number;
  faults: FaultBook;
  timeoutMs: number;
  log: { warn(obj: object, msg: string): void };
}

export class Notifier {
  private readonly loop: DueLoop;
  /** Pending notification id -> when it is next due. The database is the truth; this saves scanning it. */
  private readonly due = new Map<string, number>();
  private loaded = false;
  constructor(private readonly d: NotifierDeps) {
    this.loop = new DueLoop(() => this.cycle(), (err) => d.log.warn({ err }, 'notifier cycle failed'));
  }

  start(): void {
    this.loop.start();
  }
  stop(): void {
    this.loop.stop();
  }
  idle(): Promise<void> {
    return this.loop.idle();
  }

  async enqueue(spec: NotificationSpec): Promise<NotificationDoc> {
    const now = this.d.clock.now();
    const nonce = randomNonce(12);
    const envelope = {
      id: randomUUID(),
      create_time: spec.createTimeFormat === 'compact' ? compactTime(now) : rfc3339(now),
      resource_type: 'encrypt-resource',
      event_type: spec.event_type,
      summary: spec.summary,
      resource: {
        original_type: spec.original_type,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: encryptAesGcm(spec.apiV3Key, nonce, spec.associated_data, JSON.stringify(spec.plaintext)),
        associated_data: spec.associated_data,
        nonce,
      },
    };
    const faults = new Set<FaultName>([
      ...markedFaults(spec.markers).filter(isNotifyFault),
      ...this.d.faults.take({ out_trade_no: spec.out_trade_no, out_refund_no: spec.out_refund_no }, isNotifyFault),
      ...this.d.faults.drawn(NOTIFY_RATE_KEYS),
    ]);
    const dropped = faults.has('notify-drop');
    const doc: NotificationDoc = {
      _id: envelope.id,
      event_type: spec.event_type,
      merchantKey: spec.merchantKey,
      out_trade_no: spec.out_trade_no,
      out_refund_no: spec.out_refund_no,
      url: spec.url,
      body: JSON.stringify(envelope),
      state: dropped ? 'dropped' : 'pending',
      faults: [...faults],
      probe_pending: faults.has('notify-signtest'),
      attempts: 0,
      first_at: new Date(now),
      next_at: new Date(now),
      lease_until: new Date(0),
      created_at: new Date(now),
    };
    await this.d.models.Notification.create(doc);
    if (!dropped) this.due.set(doc._id, now);
    if (dropped) {
      await this.log(doc, { kind: 'dropped', attempt: 0, scheduled: now, sent: now, ok: false, duration: 0, error: 'dropped by fault injection' });
    } else {
      this.loop.kick();
    }
    return doc;
  }

  private async cycle(): Promise<number | undefined> {
    if (!this.loaded) {
      // After a restart: resume whatever is pending (one scan, then lookups by _id only).
      const pending = await this.d.models.Notification.find({ state: 'pending' }).lean<NotificationDoc[]>();
      for (const n of pending) this.due.set(n._id, Math.max(n.next_at.getTime(), n.lease_until.getTime()));
      this.loaded = true;
    }
    const now = this.d.clock.now();
    const claimed: NotificationDoc[] = [];
    for (const [id, at] of [...this.due]) {
      if (at > now) continue;
      const doc = await this.d.models.Notification.findOneAndUpdate(
        { _id: id, state: 'pending', next_at: { $lte: new Date(now) }, lease_until: { $lte: new Date(now) } },
        { $set: { lease_until: new Date(now + 30_000 + this.d.timeoutMs * 3) } },
        { returnDocument: 'after' },
      ).lean<NotificationDoc>();
      if (doc) {
        claimed.push(doc);
        this.due.set(id, doc.lease_until.getTime());
        continue;
      }
      const cur = await this.d.models.Notification.findById(id).lean<NotificationDoc>();
      if (cur?.state === 'pending') this.due.set(id, Math.max(cur.next_at.getTime(), cur.lease_until.getTime()));
      else this.due.delete(id);
    }
    await Promise.all(claimed.map((n) => this.attempt(n)));
    let next: number | undefined;
    for (const at of this.due.values()) next = next === undefined ? at : Math.min(next, at);
    return next;
  }

  private async send(
    n: NotificationDoc,
    signtest: boolean,
    staleTimestamp = false,
  ): Promise<{ ok: boolean; status?: number; error?: string; response?: string; duration: number; serial?: string }> {
    const started = Date.now();
    const signer = this.d.signer ? this.d.signer(n.merchantKey) : this.d.keyring.current();
    try {
      const headers = await signatureHeaders(signer, n.body, this.d.clock.now() + (this.d.offsetMs?.() ?? 0), { signtest, staleTimestamp });
      const res = await fetch(n.url, {
        method: 'POST',
        headers: {
          ...headers,
          'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
          'Content-Type': 'application/json',
          'Request-ID': randomUUID().replace(/-/g, '').toUpperCase(),
          'User-Agent': 'Mozilla/4.0',
        },
        body: n.body,
        signal: AbortSignal.timeout(this.d.timeoutMs),
      });
      const text = (await res.text()).slice(0, 500);
      return { ok: res.status === 200 || res.status === 204, status: res.status, response: text, duration: Date.now() - started, serial: signer.serial };
    } catch (err) {
      return { ok: false, error: (err as Error).name === 'TimeoutError' ? 'timeout' : (err as Error).message, duration: Date.now() - started, serial: signer.serial };
    }
  }

  private async attempt(n: NotificationDoc): Promise<void> {
    if (n.probe_pending) {
      const probeAt = Date.now();
      const probe = await this.send(n, true);
      await this.log(n, { kind: 'probe', attempt: n.attempts + 1, scheduled: probeAt, sent: probeAt, ...probe });
      await this.d.models.Notification.updateOne({ _id: n._id }, { $set: { probe_pending: false } });
    }
    // The schedule counts from the first attempt's departure, as the official intervals do.
    const sentAt = Date.now();
    if (n.attempts === 0) n.first_at = new Date(sentAt);
    const scheduled = n.first_at.getTime() + this.d.clock.scale(ATTEMPT_OFFSETS_S[n.attempts]! * 1000);
    // notify-stale-timestamp: the first attempt carries a 10-minute-old Wechatpay-Timestamp; retries are normal.
    const r = await this.send(n, false, n.attempts === 0 && n.faults.includes('notify-stale-timestamp'));
    const attempt = n.attempts + 1;
    await this.log(n, { kind: 'delivery', attempt, scheduled, sent: sentAt, ...r });
    if (r.ok) {
      await this.d.models.Notification.updateOne({ _id: n._id }, { $set: { state: 'delivered', attempts: attempt, first_at: n.first_at } });
      this.due.delete(n._id);
      if (n.faults.includes('notify-duplicate')) {
        const dupAt = Date.now();
        const dup = await this.send(n, false);
        await this.log(n, { kind: 'duplicate', attempt, scheduled, sent: dupAt, ...dup });
      }
      return;
    }
    const exhausted = attempt >= ATTEMPT_OFFSETS_S.length;
    const nextAt = n.first_at.getTime() + this.d.clock.scale((ATTEMPT_OFFSETS_S[attempt] ?? 0) * 1000);
    await this.d.models.Notification.updateOne(
      { _id: n._id },
      { $set: { attempts: attempt, first_at: n.first_at, state: exhausted ? 'exhausted' : 'pending', next_at: new Date(nextAt), lease_until: new Date(0) } },
    );
    if (exhausted) this.due.delete(n._id);
    else this.due.set(n._id, nextAt);
  }

  private async log(
    n: NotificationDoc,
    e: { kind: DeliveryDoc['kind']; attempt: number; scheduled: number; sent: number; ok: boolean; duration: number; status?: number; error?: string; response?: string; serial?: string },
  ): Promise<void> {
    await this.d.models.Delivery.create({
      _id: randomUUID(),
      event_id: n._id,
      out_trade_no: n.out_trade_no,
      out_refund_no: n.out_refund_no,
      kind: e.kind,
      attempt: e.attempt,
      scheduled_at: new Date(e.scheduled),
      sent_at: new Date(e.sent),
      offset_ms: e.sent - n.first_at.getTime(),
      status: e.status,
      ok: e.ok,
      error: e.error,
      duration_ms: e.duration,
      response: e.response,
      serial: e.serial,
    });
  }

  /** Notifications and their delivery logs (admin). */
  async history(filter: { out_trade_no?: string; out_refund_no?: string }): Promise<Array<NotificationDoc & { deliveries: DeliveryDoc[] }>> {
    const q: Record<string, string> = {};
    if (filter.out_trade_no) q.out_trade_no = filter.out_trade_no;
    if (filter.out_refund_no) q.out_refund_no = filter.out_refund_no;
    const list = await this.d.models.Notification.find(q).sort({ created_at: 1 }).limit(200).lean<NotificationDoc[]>();
    const deliveries = await this.d.models.Delivery.find({ event_id: { $in: list.map((n) => n._id) } }).sort({ sent_at: 1 }).lean<DeliveryDoc[]>();
    return list.map((n) => ({ ...n, deliveries: deliveries.filter((d) => d.event_id === n._id) }));
  }
}
