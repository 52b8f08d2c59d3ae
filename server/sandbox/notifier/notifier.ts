// Notifications: the resource encrypted once with the merchant's APIv3 key, the envelope serialised once, each
// attempt signed afresh with the platform key signing now. Retried on the official schedule (time-scaled)
// until a 200/204. The queue lives in MongoDB so a restart resumes it.
//
// Database writes: one per attempt. The first attempt leaves at once, in process, from memory, and its outcome
// is written with the notification itself (one insert that also makes the creating instance its owner:
// `owner`, `lease_until`); each later attempt is one update that records it in the notification's delivery log
// together with its outcome and the next due time. A failed attempt keeps the ownership until its retry has had
// time to run, so retries need no claim either. (A process that dies during a first attempt loses that
// notification; the merchant's own order query still finds the payment.) The due-loop sends this instance's
// retries when they are due and picks up what no live instance holds: notifications left by a crash or a stop
// (a stopping instance hands its leases back), claimed with one conditional update each. Another instance never sends a notification while its owner's lease runs.
import { randomUUID } from 'node:crypto';
import { encryptAesGcm, randomNonce } from '../../src/wechatpay/crypto';
import { createNodeTransport } from '../../src/wechatpay/http/transport';
import type { Clock } from '../clock';
import { compactTime, rfc3339 } from '../clock';
import { FaultBook, isNotifyFault, markedFaults, NOTIFY_RATE_KEYS, type FaultName } from '../faults/faults';
import type { PlatformKeyring } from '../keys/platform';
import type { DeliveryDoc, DeliveryRecord, Models, NotificationDoc } from '../ledger/models';
import { signatureHeaders } from '../protocol/sign-response';
import type { Signer } from '../keys/signing';
import { DueLoop } from './due-loop';
import { Slots } from './slots';

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
  /** Requests in flight at once (default 32); an attempt waits for a slot before its time starts. */
  connections?: number;
  log: { warn(obj: object, msg: string): void };
}

/** `at`: when the request left (after waiting for a slot). */
type SendResult = { at: number; ok: boolean; status?: number; error?: string; response?: string; duration: number; serial?: string };

export class Notifier {
  private readonly loop: DueLoop;
  /**
   * Pending notification id -> when it is next due, and the notification itself when this instance owns it
   * (sent from memory, no claim). The database is the truth; this saves scanning it.
   */
  private readonly due = new Map<string, { at: number; owned?: NotificationDoc; unsaved?: true }>();
  /** Attempts in progress (id -> its promise). */
  private readonly inFlight = new Map<string, Promise<void>>();
  private loaded = false;
  private stopped = false;
  /** Names this instance in `owner`; a restarted process is another instance. */
  readonly instance = randomUUID();
  /** How long an owner holds a notification past the moment it sends it (real time, never scaled). */
  private readonly leaseMs: number;
  private readonly slots: Slots;
  /**
   * Keep-alive sockets, as many as there are slots: a burst reuses them instead of opening one per attempt. An
   * answer over 1 MB fails the attempt (only its first 500 characters are kept anyway).
   */
  private readonly transport: ReturnType<typeof createNodeTransport>;

  constructor(private readonly d: NotifierDeps) {
    this.leaseMs = 30_000 + d.timeoutMs * 3;
    this.slots = new Slots(d.connections ?? 32);
    this.transport = createNodeTransport({ maxSockets: d.connections ?? 32, maxBodyBytes: 1024 * 1024 });
    this.loop = new DueLoop(
      () => this.cycle(),
      (err) => d.log.warn({ err }, 'notifier cycle failed'),
    );
  }

  start(): void {
    this.stopped = false;
    this.loop.start();
  }

  /** Stops sending: lets attempts in progress finish, then hands back the leases this instance holds. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.loop.stop();
    await this.idle();
    // Retries still held only in memory (their write failed): one more try, handed back like the rest.
    for (const [id, e] of this.due) {
      if (e.unsaved && e.owned && !(await this.insertNew({ ...e.owned, lease_until: new Date(0) }))) {
        this.d.log.warn({ id }, 'notifier stopped with a notification it could not write: its retries are lost');
      }
    }
    await this.d.models.Notification.collection
      .updateMany({ owner: this.instance, state: 'pending' }, { $set: { lease_until: new Date(0) } })
      .catch((err) => this.d.log.warn({ err }, 'notifier could not hand back its leases'));
    this.due.clear();
    this.transport.close();
  }

  async idle(): Promise<void> {
    await this.loop.idle();
    while (this.inFlight.size) await Promise.all([...this.inFlight.values()]);
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
      ...(spec.out_trade_no !== undefined ? { out_trade_no: spec.out_trade_no } : {}),
      ...(spec.out_refund_no !== undefined ? { out_refund_no: spec.out_refund_no } : {}),
      url: spec.url,
      body: JSON.stringify(envelope),
      state: dropped ? 'dropped' : 'pending',
      faults: [...faults],
      probe_pending: faults.has('notify-signtest'),
      attempts: 0,
      first_at: new Date(now),
      next_at: new Date(now),
      lease_until: dropped ? new Date(0) : new Date(now + this.leaseMs),
      owner: this.instance,
      created_at: new Date(now),
      deliveries: dropped
        ? [
            {
              kind: 'dropped',
              attempt: 0,
              scheduled_at: new Date(now),
              sent_at: new Date(now),
              offset_ms: 0,
              ok: false,
              duration_ms: 0,
              error: 'dropped by fault injection',
            },
          ]
        : [],
    };
    if (dropped || this.stopped) {
      await this.d.models.Notification.collection.insertOne(doc as never);
      if (!dropped) this.due.set(doc._id, { at: now, owned: doc });
      return doc;
    }
    // Delivered at once, from here; the first attempt's write inserts it (this instance's claim).
    this.due.set(doc._id, { at: now, owned: doc, unsaved: true });
    this.run(doc);
    return doc;
  }

  /** Starts an attempt of a notification this instance owns (unless one is in progress). */
  private run(n: NotificationDoc): void {
    if (this.inFlight.has(n._id)) return;
    const p = this.attempt(n)
      .catch((err) => this.d.log.warn({ err, id: n._id }, 'notification attempt failed'))
      .finally(() => {
        this.inFlight.delete(n._id);
        // A retry is due later: let the loop's timer know (only now, when the attempt no longer counts as running).
        if (this.due.has(n._id)) this.loop.kick();
      });
    this.inFlight.set(n._id, p);
  }

  private async cycle(): Promise<number | undefined> {
    if (!this.loaded) {
      // At start: resume whatever is pending (one scan, then lookups by _id only).
      const pending = await this.d.models.Notification.find({ state: 'pending' }).lean<NotificationDoc[]>();
      for (const n of pending) {
        if (!this.due.has(n._id)) this.due.set(n._id, { at: Math.max(n.next_at.getTime(), n.lease_until.getTime()) });
      }
      this.loaded = true;
    }
    const now = this.d.clock.now();
    for (const [id, entry] of [...this.due]) {
      if (entry.at > now || this.inFlight.has(id)) continue;
      // Not in the database yet (its first write failed): only this instance knows it.
      if (entry.owned && (entry.unsaved || entry.owned.lease_until.getTime() > now + this.d.timeoutMs)) {
        this.run(entry.owned);
        continue;
      }
      // Not ours, or our lease is running out: claim it (one conditional update) or learn who holds it.
      const doc = await this.d.models.Notification.findOneAndUpdate(
        { _id: id, state: 'pending', next_at: { $lte: new Date(now) }, lease_until: { $lte: new Date(now) } },
        { $set: { lease_until: new Date(now + this.leaseMs), owner: this.instance } },
        { returnDocument: 'after' },
      ).lean<NotificationDoc>();
      if (doc) {
        this.due.set(id, { at: doc.lease_until.getTime(), owned: doc });
        this.run(doc);
        continue;
      }
      const cur = await this.d.models.Notification.findById(id).lean<NotificationDoc>();
      if (cur?.state === 'pending') this.due.set(id, { at: Math.max(cur.next_at.getTime(), cur.lease_until.getTime(), now + 1) });
      else this.due.delete(id);
    }
    let next: number | undefined;
    for (const [id, e] of this.due) if (!this.inFlight.has(id)) next = next === undefined ? e.at : Math.min(next, e.at);
    return next;
  }

  private send(n: NotificationDoc, signtest: boolean, staleTimestamp = false): Promise<SendResult> {
    return this.slots.run(() => this.sendNow(n, signtest, staleTimestamp));
  }

  private async sendNow(n: NotificationDoc, signtest: boolean, staleTimestamp: boolean): Promise<SendResult> {
    const started = Date.now();
    const signer = this.d.signer ? this.d.signer(n.merchantKey) : this.d.keyring.current();
    try {
      const headers = await signatureHeaders(signer, n.body, this.d.clock.now() + (this.d.offsetMs?.() ?? 0), { signtest, staleTimestamp });
      // A timer and a controller: cheaper than AbortSignal.timeout, and cleared when the answer is in.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), this.d.timeoutMs);
      const res = await this.transport({
        method: 'POST',
        url: n.url,
        headers: {
          ...headers,
          'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
          'Content-Type': 'application/json',
          'Request-ID': randomUUID().replace(/-/g, '').toUpperCase(),
          'User-Agent': 'Mozilla/4.0',
        },
        body: n.body,
        signal: abort.signal,
      }).finally(() => clearTimeout(timer));
      return {
        ok: res.status === 200 || res.status === 204,
        status: res.status,
        response: res.body.subarray(0, 2000).toString('utf8').slice(0, 500),
        duration: Date.now() - started,
        serial: signer.serial,
        at: started,
      };
    } catch (err) {
      const e = err as Error & { code?: string };
      const error = e.name === 'TimeoutError' ? 'timeout' : e.code && !e.message.includes(e.code) ? `${e.message}: ${e.code}` : e.message;
      return { at: started, ok: false, error, duration: Date.now() - started, serial: signer.serial };
    }
  }

  private record(
    n: NotificationDoc,
    kind: DeliveryRecord['kind'],
    attempt: number,
    scheduled: number,
    sent: number,
    r: SendResult,
  ): DeliveryRecord {
    return {
      kind,
      attempt,
      scheduled_at: new Date(scheduled),
      sent_at: new Date(sent),
      offset_ms: sent - n.first_at.getTime(),
      ...(r.status !== undefined ? { status: r.status } : {}),
      ok: r.ok,
      ...(r.error !== undefined ? { error: r.error } : {}),
      duration_ms: r.duration,
      ...(r.response !== undefined ? { response: r.response } : {}),
      ...(r.serial !== undefined ? { serial: r.serial } : {}),
    };
  }

  /** One attempt (with its probe or duplicate when a fault asks), then one write: log, outcome, next due time. */
  private async attempt(n: NotificationDoc): Promise<void> {
    const log: DeliveryRecord[] = [];
    if (n.probe_pending) {
      const probe = await this.send(n, true);
      log.push(this.record(n, 'probe', n.attempts + 1, probe.at, probe.at, probe));
    }
    // notify-stale-timestamp: the first attempt carries a 10-minute-old Wechatpay-Timestamp; retries are normal.
    const r = await this.send(n, false, n.attempts === 0 && n.faults.includes('notify-stale-timestamp'));
    // The schedule counts from the first attempt's departure, as the official intervals do.
    const sentAt = r.at;
    const firstAt = n.attempts === 0 ? new Date(sentAt) : n.first_at;
    const cur: NotificationDoc = { ...n, first_at: firstAt };
    const scheduled = firstAt.getTime() + this.d.clock.scale(ATTEMPT_OFFSETS_S[n.attempts]! * 1000);
    const attempt = n.attempts + 1;
    log.push(this.record(cur, 'delivery', attempt, scheduled, sentAt, r));
    if (r.ok && n.faults.includes('notify-duplicate')) {
      const dup = await this.send(cur, false);
      log.push(this.record(cur, 'duplicate', attempt, scheduled, dup.at, dup));
    }
    const exhausted = !r.ok && attempt >= ATTEMPT_OFFSETS_S.length;
    const state: NotificationDoc['state'] = r.ok ? 'delivered' : exhausted ? 'exhausted' : 'pending';
    const nextAt = r.ok || exhausted ? sentAt : firstAt.getTime() + this.d.clock.scale(ATTEMPT_OFFSETS_S[attempt]! * 1000);
    // A pending retry stays ours until it has had time to run (handed back at stop).
    const leaseUntil = state === 'pending' && !this.stopped ? new Date(Math.max(nextAt, Date.now()) + this.leaseMs) : new Date(0);
    const fields = {
      attempts: attempt,
      first_at: firstAt,
      state,
      probe_pending: false,
      next_at: new Date(nextAt),
      lease_until: leaseUntil,
    };
    if (this.due.get(n._id)?.unsaved) {
      const saved: NotificationDoc = { ...cur, ...fields, deliveries: [...(n.deliveries ?? []), ...log] };
      if (await this.insertNew(saved)) {
        if (state !== 'pending') this.due.delete(n._id);
        else this.due.set(n._id, { at: nextAt, owned: saved });
      } else if (state === 'pending') {
        // Kept in memory, attempts and log included: its next attempt writes it.
        this.due.set(n._id, { at: nextAt, owned: saved, unsaved: true });
      } else this.due.delete(n._id); // delivered (or exhausted): only its record is missing
      return;
    }
    const upd = await this.d.models.Notification.collection.updateOne(
      { _id: n._id, attempts: n.attempts, owner: this.instance } as never,
      { $set: fields, $push: { deliveries: { $each: log } } } as never,
    );
    if (upd.matchedCount !== 1 || state !== 'pending') {
      // Done, or another instance took it over (our lease ran out): it is no longer ours to send.
      this.due.delete(n._id);
      return;
    }
    this.due.set(n._id, {
      at: nextAt,
      owned: { ...cur, attempts: attempt, probe_pending: false, next_at: new Date(nextAt), lease_until: leaseUntil },
    });
  }

  /** Inserts a notification, trying three times; an insert whose answer was lost counts as done. */
  private async insertNew(doc: NotificationDoc): Promise<boolean> {
    for (const wait of [0, 200, 1000]) {
      if (wait) await new Promise((r) => setTimeout(r, wait));
      try {
        await this.d.models.Notification.collection.insertOne(doc as never);
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 11000) return true;
        this.d.log.warn({ err, id: doc._id }, 'notification could not be written');
      }
    }
    return false;
  }

  /** Notifications and their delivery logs (admin). */
  async history(filter: {
    out_trade_no?: string;
    out_refund_no?: string;
  }): Promise<Array<NotificationDoc & { deliveries: DeliveryDoc[] }>> {
    const q: Record<string, string> = {};
    if (filter.out_trade_no) q.out_trade_no = filter.out_trade_no;
    if (filter.out_refund_no) q.out_refund_no = filter.out_refund_no;
    const list = await this.d.models.Notification.find(q).sort({ created_at: 1 }).limit(200).lean<NotificationDoc[]>();
    // Notifications written by earlier versions keep their log in the deliveries collection.
    const older = list.filter((n) => !Array.isArray(n.deliveries)).map((n) => n._id);
    const separate = older.length
      ? await this.d.models.Delivery.find({ event_id: { $in: older } })
          .sort({ sent_at: 1 })
          .lean<DeliveryDoc[]>()
      : [];
    return list.map((n) => ({
      ...n,
      deliveries: Array.isArray(n.deliveries)
        ? n.deliveries.map((d, i) => ({
            _id: `${n._id}:${i}`,
            event_id: n._id,
            out_trade_no: n.out_trade_no,
            out_refund_no: n.out_refund_no,
            ...d,
          }))
        : separate.filter((d) => d.event_id === n._id),
    }));
  }
}
