// Every Prometheus metric the backend exports, defined in one place, on a registry created per backend instance
// (tests build many apps in one process without clashing). The domain never imports this module: it reports
// through the DomainEvents port, which `domainEvents()` here implements; HTTP, WeChat Pay calls, jobs, load
// shedding, stuck refunds and the platform certificate are recorded by decorators and scrape-time collectors
// wired in the composition root. Names, labels and alerts are documented in docs/backend.md (Metrics).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DomainEvents } from '../domain/ports/domain-events';

/** Seconds buckets for HTTP handling and WeChat Pay calls (WeChat Pay's own timeout is a few seconds). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Event types WeChat Pay sends; anything else is counted as `other` so a label never grows unbounded. */
const EVENT_TYPES = new Set(['TRANSACTION.SUCCESS', 'REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED']);
export function eventTypeLabel(eventType: string): string {
  return EVENT_TYPES.has(eventType) ? eventType : 'other';
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
export function methodLabel(method: string): string {
  return HTTP_METHODS.has(method) ? method : 'OTHER';
}

export type AdmissionPool = 'notifications' | 'writes' | 'reads';
export interface AdmissionCounts {
  inFlight: number;
  queued: number;
  shed: number;
}

export interface MetricsSources {
  /** Refunds PENDING or ABNORMAL created before `before` (cheap: an indexed count). */
  stuckRefunds?: (before: Date) => Promise<Record<'PENDING' | 'ABNORMAL', number>>;
  /** Refunds waiting for staff (NOT_ENOUGH again and again; an indexed count). */
  awaitingStaffRefunds?: () => Promise<number>;
  /** The newest platform certificate; undefined when WeChat Pay is verified with a public key. */
  newestCertificate?: () => { serial: string; notAfter: Date } | undefined;
  now?: () => number;
}

export const STUCK_REFUND_SECONDS = 3600;

export function createMetrics(sources: MetricsSources = {}) {
  const registry = new Registry();
  const now = sources.now ?? Date.now;
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });

  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, matched route pattern (or "unmatched") and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpSeries = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, matched route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const wechatCalls = new Counter({
    name: 'wechatpay_api_calls_total',
    help: 'Calls to WeChat Pay by endpoint and outcome (ok, or the error kind: api, timeout, network, signature, ...).',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [registry],
  });
  const wechatDuration = new Histogram({
    name: 'wechatpay_api_call_duration_seconds',
    help: 'Duration of calls to WeChat Pay (retries included) by endpoint and outcome.',
    labelNames: ['endpoint', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const notifications = new Counter({
    name: 'wechatpay_notifications_total',
    help: 'WeChat Pay notifications answered, by kind (transaction, refund), event type and the HTTP status answered.',
    labelNames: ['kind', 'event_type', 'status'] as const,
    registers: [registry],
  });
  const orderStates = new Counter({
    name: 'wechatpay_order_state_changes_total',
    help: 'Orders moved to a status (one conditional update each).',
    labelNames: ['to'] as const,
    registers: [registry],
  });
  const refundStates = new Counter({
    name: 'wechatpay_refund_state_changes_total',
    help: 'Refunds moved to a status (PENDING counts refunds created).',
    labelNames: ['to'] as const,
    registers: [registry],
  });
  const paidAmount = new Counter({
    name: 'wechatpay_paid_amount_minor_total',
    help: 'Amount of orders that became PAID, in minor units (cents), by currency.',
    labelNames: ['currency'] as const,
    registers: [registry],
  });
  const refundedAmount = new Counter({
    name: 'wechatpay_refunded_amount_minor_total',
    help: 'Amount of refunds that became SUCCESS, in minor units (cents), by currency.',
    labelNames: ['currency'] as const,
    registers: [registry],
  });
  const flagged = new Counter({
    name: 'wechatpay_orders_flagged_total',
    help: 'Orders flagged for a person (amount or currency mismatch, refund ABNORMAL).',
    registers: [registry],
  });
  new Gauge({
    name: 'wechatpay_refunds_stuck',
    help: `Refunds PENDING or ABNORMAL for longer than ${STUCK_REFUND_SECONDS} s, by status (counted at scrape time).`,
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      if (!sources.stuckRefunds) return;
      const counts = await sources.stuckRefunds(new Date(now() - STUCK_REFUND_SECONDS * 1000));
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'wechatpay_refunds_awaiting_staff',
    help: 'Refunds that stopped being retried and wait for staff to retry or cancel them (counted at scrape time).',
    registers: [registry],
    async collect() {
      if (sources.awaitingStaffRefunds) this.set(await sources.awaitingStaffRefunds());
    },
  });
  new Gauge({
    name: 'wechatpay_platform_certificate_expiry_seconds',
    help: "Seconds until the newest WeChat Pay platform certificate's notAfter, by its serial (absent when verifying with a public key).",
    // Labelled so that "no certificate" is no sample at all (a labelless gauge would show 0 and page).
    labelNames: ['serial'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const cert = sources.newestCertificate?.();
      if (cert) this.set({ serial: cert.serial }, (cert.notAfter.getTime() - now()) / 1000);
    },
  });
  const reconciliationDifferences = new Gauge({
    name: 'wechatpay_reconciliation_differences',
    help: "Differences found by the last reconciliation of WeChat Pay's statement against our records (set by the reconciliation job).",
    registers: [registry],
  });

  const jobRuns = new Counter({
    name: 'wechatpay_job_runs_total',
    help: 'Job runs by job and outcome (ok, failed).',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'wechatpay_job_duration_seconds',
    help: 'Duration of job runs by job.',
    labelNames: ['job'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
    registers: [registry],
  });
  const lastSuccess = new Map<string, number>();
  new Gauge({
    name: 'wechatpay_job_lag_seconds',
    help: 'Seconds since the job last finished a run without failing on this instance (computed at scrape time).',
    labelNames: ['job'] as const,
    registers: [registry],
    collect() {
      for (const [job, at] of lastSuccess) this.set({ job }, (now() - at) / 1000);
    },
  });
  const jobLastSuccess = new Gauge({
    name: 'wechatpay_job_last_success_timestamp_seconds',
    help: 'Unix time at which the job last finished a run without failing on this instance.',
    labelNames: ['job'] as const,
    registers: [registry],
  });

  const pools = new Map<AdmissionPool, () => AdmissionCounts>();
  const shedSeen = new Map<AdmissionPool, number>();
  const shed = new Counter({
    name: 'http_requests_shed_total',
    help: 'Requests refused with a retryable 503 by load shedding, by admission pool (notifications, writes, reads).',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      for (const [pool, stats] of pools) {
        const total = stats().shed;
        const delta = total - (shedSeen.get(pool) ?? 0);
        if (delta > 0) this.inc({ pool }, delta);
        shedSeen.set(pool, total);
      }
    },
  });
  new Gauge({
    name: 'http_admission_in_flight',
    help: 'Requests being worked on, by admission pool.',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      for (const [pool, stats] of pools) this.set({ pool }, stats().inFlight);
    },
  });
  new Gauge({
    name: 'http_admission_queued',
    help: 'Requests waiting for a slot, by admission pool.',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      for (const [pool, stats] of pools) this.set({ pool }, stats().queued);
    },
  });
  // Pools appear with zero before anything is shed, so rate() works from the first scrape.
  const watchPool = (pool: AdmissionPool, stats: () => AdmissionCounts) => {
    pools.set(pool, stats);
    shed.inc({ pool }, 0);
  };

  const events: DomainEvents = {
    orderStateChanged(e) {
      orderStates.inc({ to: e.to });
      if (e.to === 'PAID' && e.total !== undefined && e.currency) paidAmount.inc({ currency: e.currency }, e.total);
    },
    orderFlagged() {
      flagged.inc();
    },
    refundStateChanged(e) {
      refundStates.inc({ to: e.to });
      if (e.to === 'SUCCESS' && e.amount !== undefined && e.currency) refundedAmount.inc({ currency: e.currency }, e.amount);
    },
    notificationHandled(e) {
      notifications.inc({ kind: e.kind, event_type: eventTypeLabel(e.eventType), status: String(e.status) });
    },
  };
  // Counters that alerts watch start at zero, so increase() sees the first event.
  flagged.inc(0);

  return {
    registry,
    events,
    watchPool,
    /** Records one answered HTTP request. */
    httpRequest(method: string, route: string, status: number, seconds: number) {
      // The series children, kept: prom-client hashes the label set on every call otherwise. Bounded: routes are
      // patterns (or "unmatched"), methods are folded by methodLabel, statuses are HTTP's.
      const m = methodLabel(method);
      const key = `${m}\n${route}\n${status}`;
      let series = httpSeries.get(key);
      if (!series) {
        const labels = { method: m, route, status: String(status) };
        series = { count: httpRequests.labels(labels), duration: httpDuration.labels(labels) };
        httpSeries.set(key, series);
      }
      series.count.inc();
      series.duration.observe(seconds);
    },
    /** Records one call to WeChat Pay. */
    wechatCall(endpoint: string, outcome: string, seconds: number) {
      wechatCalls.inc({ endpoint, outcome });
      wechatDuration.observe({ endpoint, outcome }, seconds);
    },
    /** Records one job run. */
    jobRun(job: string, ok: boolean, seconds: number) {
      jobRuns.inc({ job, outcome: ok ? 'ok' : 'failed' });
      jobDuration.observe({ job }, seconds);
      if (ok) {
        lastSuccess.set(job, now());
        jobLastSuccess.set({ job }, now() / 1000);
      }
    },
    /** For the reconciliation job: the number of differences its last run found. */
    setReconciliationDifferences(n: number) {
      reconciliationDifferences.set(n);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
