// Parses the environment once into a frozen, typed object. Imports nothing from the rest of src,
// so any module (and the sandbox's scripts) can read configuration without pulling in the app.
import { isIP } from 'node:net';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** "in flight,queue,max wait ms" (see http/middleware/admission.ts). */
const admission = (def: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,4},\d{1,6},\d{1,6}$/, 'in flight,queue,max wait ms, e.g. 16,64,2000')
    .default(def)
    .transform((v) => {
      const [maxInFlight, maxQueue, maxWaitMs] = v.split(',').map(Number) as [number, number, number];
      return { maxInFlight, maxQueue, maxWaitMs };
    });

/** An empty variable (`METRICS_TOKEN=` in an env file) means not set. */
const unsetWhenEmpty = <T extends z.ZodTypeAny>(t: T) => z.preprocess((v) => (v === '' ? undefined : v), t);

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: int(0, 65535).default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
    CUSTOMER_TOKEN_TTL_SECONDS: int(60, 86400).default(7200),
    STAFF_TOKEN_TTL_SECONDS: int(60, 86400).default(3600),

    // WeChat Pay Global. Live or sandbox is chosen by these values alone.
    WECHATPAY_BASE_URL: z.string().url().default('https://apihk.mch.weixin.qq.com'),
    WECHATPAY_MODE: z.enum(['direct', 'institution']).default('direct'),
    WECHATPAY_MCHID: z.string().min(1).max(32),
    WECHATPAY_APPID: z.string().min(1).max(32),
    WECHATPAY_SUB_MCHID: z.string().min(1).max(32).optional(),
    WECHATPAY_SUB_APPID: z.string().min(1).max(32).optional(),
    WECHATPAY_MERCHANT_SERIAL: z.string().regex(/^[0-9A-Fa-f]{8,40}$/, 'must be the hex serial of the merchant API certificate'),
    WECHATPAY_PRIVATE_KEY_PATH: z.string().min(1),
    WECHATPAY_APIV3_KEY: z.string().length(32, 'must be exactly 32 characters'),
    WECHATPAY_PUBLIC_KEY_ID: z
      .string()
      .regex(/^PUB_KEY_ID_/)
      .optional(),
    WECHATPAY_PUBLIC_KEY_PATH: z.string().optional(),
    /** What verifies WeChat Pay: `certificates`, `public_key`, or `both` (the switch-over); see verificationMode. */
    WECHATPAY_VERIFY_WITH: z.enum(['certificates', 'public_key', 'both']).optional(),
    /** Optional merchant API certificate (apiclient_cert.pem): only `wxpay doctor` reads it. */
    WECHATPAY_MERCHANT_CERT_PATH: z.string().min(1).optional(),
    WECHATPAY_NOTIFY_BASE_URL: z.string().url(),
    WECHATPAY_TIMEOUT_MS: int(100, 60000).default(5000),
    MERCHANT_CATEGORY_CODE: z
      .string()
      .regex(/^\d{4}$/)
      .default('5999'),
    CURRENCY: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default('HKD'),

    // WeChat login (jscode2session).
    WECHAT_API_BASE_URL: z.string().url().default('https://api.weixin.qq.com'),
    WECHAT_APP_SECRET: z.string().min(1),

    // True when the base URL points at the local sandbox: the Mini Program then shows the sandbox cashier.
    SANDBOX: bool.default(false),
    JOBS_ENABLED: bool.default(true),

    // Shop and orders.
    MERCHANT_NAME: z.string().min(1).max(64).default('Demo Shop'),
    ORDER_TTL_SECONDS: int(10, 7200).default(1800),
    MAX_QUANTITY_PER_ITEM: int(1, 999).default(20),
    MAX_ITEMS_PER_ORDER: int(1, 50).default(10),
    /** GET /api/orders/:id asks WeChat about a pending order at most this often. */
    ORDER_SYNC_STALE_SECONDS: int(0, 3600).default(10),
    BODY_LIMIT_KB: int(1, 1024).default(16),

    // Slow and idle clients (see http/server-limits.ts and http/body.ts). A request body must arrive whole within
    // BODY_TIMEOUT_MS (408 beyond) before the request may take an admission slot; headers within
    // HEADERS_TIMEOUT_MS and the whole request within REQUEST_TIMEOUT_MS (Node closes the socket beyond); an idle
    // keep-alive socket is closed after KEEP_ALIVE_TIMEOUT_MS (above the load balancer's idle timeout); one IP
    // may hold MAX_CONNECTIONS_PER_IP sockets at once (more are closed on arrival: behind a proxy, the proxy's).
    BODY_TIMEOUT_MS: int(100, 60000).default(5000),
    HEADERS_TIMEOUT_MS: int(1000, 120000).default(10000),
    REQUEST_TIMEOUT_MS: int(1000, 300000).default(30000),
    KEEP_ALIVE_TIMEOUT_MS: int(1000, 600000).default(65000),
    MAX_CONNECTIONS_PER_IP: int(1, 100000).default(256),
    /** Strict-Transport-Security max-age for a deployment served over TLS; 0 (default) sends no HSTS header. */
    HSTS_MAX_AGE_SECONDS: int(0, 63072000).default(0),
    /** Orders one customer may create: a burst, then this many per minute (per process; 429 beyond). */
    CUSTOMER_ORDER_BURST: int(1, 1000).default(20),
    CUSTOMER_ORDERS_PER_MINUTE: int(1, 60000).default(120),
    /** Calls to WeChat Pay per second, all of this process's together (the merchant's quota); 429 beyond. */
    WECHATPAY_MAX_CALLS_PER_SECOND: int(1, 10000).default(100),

    // Load shedding, as "in flight,queue,max wait ms": API writes (orders, payments, refunds, logins), API
    // reads, and WeChat Pay's notifications. Beyond them a request gets a retryable 503 at once. A notification
    // may wait longer: WeChat Pay waits 5 s for the answer, and the route's deadline counts the time queued.
    ADMISSION_WRITES: admission('16,64,2000'),
    ADMISSION_READS: admission('64,256,2000'),
    ADMISSION_NOTIFICATIONS: admission('16,2048,3500'), // queue: what the maximum wait can answer before WeChat's 5 s

    // Jobs. Pending orders are queried at these ages (seconds after the last look), the last step repeating.
    JOBS_INTERVAL_MS: int(50, 600000).default(5000),
    PENDING_QUERY_SCHEDULE_SECONDS: z
      .string()
      .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'comma-separated seconds, e.g. 30,60,300')
      .default('30,60,120,300,600,1800')
      .transform((s) => s.split(',').map(Number)),
    /** How long a job's claim on one order lasts before another instance may take it over. */
    JOB_CLAIM_SECONDS: int(1, 3600).default(60),
    JOB_BATCH_SIZE: int(1, 1000).default(50),
    INSTANCE_ID: z
      .string()
      .regex(/^[\w.-]{1,64}$/)
      .optional(),

    // Staff side: refund retries (seconds before the n-th retry, the last repeating), first query of an accepted
    // refund, Quick Pay USERPAYING polling (ms between queries, then reverse), failed-login limits.
    REFUND_RETRY_SCHEDULE_SECONDS: z
      .string()
      .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/)
      .default('10,30,60,300,900,3600')
      .transform((s) => s.split(',').map(Number)),
    REFUND_PROCESSING_CHECK_SECONDS: z.coerce.number().min(0).max(86400).default(120),
    /** NOT_ENOUGH answers in a row after which a refund stops being retried and waits for staff. */
    REFUND_NOT_ENOUGH_RETRIES: int(1, 100).default(3),
    POS_POLL_SCHEDULE_MS: z
      .string()
      .regex(/^\d+(,\d+)*$/)
      .default('3000,5000,10000,12000')
      .transform((s) => s.split(',').map(Number)),
    /** Every Quick Pay charge must name its till (TILL_REQUIRED otherwise); off: a charge without one sends no scene_info. */
    POS_REQUIRE_TILL: bool.default(false),
    STAFF_LOGIN_WINDOW_SECONDS: int(1, 86400).default(900),
    /** Password checks per window for an account from addresses it has not logged in from (all together). */
    STAFF_LOGIN_MAX_PER_USER: int(1, 1000).default(10),
    /** Password checks per window for one (account, address) pair, with growing delays between failures. */
    STAFF_LOGIN_MAX_PER_USER_ADDRESS: int(1, 1000).default(5),
    STAFF_LOGIN_MAX_PER_IP: int(1, 100000).default(30),
    /** An address an account logged in from skips the account and address ceilings for this many days. */
    STAFF_LOGIN_KNOWN_ADDRESS_DAYS: int(0, 365).default(30),
    // Which client address limits and the audit use: unset/`false` = the connection's peer; a hop count
    // (`1` = one reverse proxy in front, which appends to X-Forwarded-For); or a comma list of the proxies'
    // CIDRs (X-Forwarded-For is read from the right, skipping addresses inside them).
    TRUST_PROXY: z
      .string()
      .default('false')
      .transform((v, ctx) => {
        const parsed = parseTrustProxy(v);
        if (typeof parsed === 'string') {
          ctx.addIssue({ code: 'custom', message: parsed });
          return z.NEVER;
        }
        return parsed;
      }),

    // Daily reconciliation job: days before yesterday still reconciled if missed, the hour (GMT+8) of the next day
    // from which a day's statement is first asked for, the delay before asking again when it is not available,
    // and the attempts after which "no statement" for a day with business is final.
    RECONCILE_ENABLED: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    RECONCILE_LOOKBACK_DAYS: int(0, 170).default(7),
    RECONCILE_FIRST_ATTEMPT_HOUR: int(0, 23).default(10),
    RECONCILE_RETRY_SECONDS: z.coerce.number().min(0.05).max(86400).default(3600),
    RECONCILE_MAX_ATTEMPTS: int(1, 1000).default(48),

    // Metrics (Prometheus text format, docs/backend.md "Metrics"). With METRICS_TOKEN, GET /metrics on the main
    // port answers to `Authorization: Bearer <token>` (404 without a token configured); METRICS_ADDR
    // ("host:port") serves GET /metrics on a separate listener, with the token too when one is set.
    METRICS_TOKEN: unsetWhenEmpty(z.string().min(32, 'must be at least 32 characters').optional()),
    METRICS_ADDR: unsetWhenEmpty(
      z
        .string()
        .regex(/^(\[[0-9A-Fa-f:.]+\]|[\w.-]+):\d{1,5}$/, 'host:port, e.g. 127.0.0.1:9464')
        .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535')
        .optional(),
    ),
  })
  .superRefine((c, ctx) => {
    if (c.HEADERS_TIMEOUT_MS > c.REQUEST_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['HEADERS_TIMEOUT_MS'], message: 'must not exceed REQUEST_TIMEOUT_MS' });
    }
    if (c.BODY_TIMEOUT_MS >= c.REQUEST_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['BODY_TIMEOUT_MS'], message: 'must be below REQUEST_TIMEOUT_MS' });
    }
    if (c.WECHATPAY_MODE === 'institution' && !c.WECHATPAY_SUB_MCHID) {
      ctx.addIssue({ code: 'custom', path: ['WECHATPAY_SUB_MCHID'], message: 'required in institution mode' });
    }
    if (c.WECHATPAY_PUBLIC_KEY_ID && !c.WECHATPAY_PUBLIC_KEY_PATH) {
      ctx.addIssue({ code: 'custom', path: ['WECHATPAY_PUBLIC_KEY_PATH'], message: 'required with WECHATPAY_PUBLIC_KEY_ID' });
    }
    if (c.WECHATPAY_VERIFY_WITH && c.WECHATPAY_VERIFY_WITH !== 'certificates' && !c.WECHATPAY_PUBLIC_KEY_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['WECHATPAY_PUBLIC_KEY_ID'],
        message: `required with WECHATPAY_VERIFY_WITH=${c.WECHATPAY_VERIFY_WITH}`,
      });
    }
  });

/** Reverse proxies trusted to name the client: none, a hop count, or the proxies' networks. */
export type TrustProxy =
  | { kind: 'none' }
  | { kind: 'hops'; hops: number }
  | { kind: 'cidrs'; cidrs: Array<{ address: string; prefix: number; family: 'ipv4' | 'ipv6' }> };

/** Parses TRUST_PROXY, or returns what is wrong with it. */
export function parseTrustProxy(v: string): TrustProxy | string {
  const s = v.trim();
  if (s === '' || s === 'false' || s === '0') return { kind: 'none' };
  if (/^\d+$/.test(s)) {
    const hops = Number(s);
    return hops <= 10 ? { kind: 'hops', hops } : 'a hop count is 0..10';
  }
  const cidrs: Array<{ address: string; prefix: number; family: 'ipv4' | 'ipv6' }> = [];
  for (const part of s.split(',').map((p) => p.trim())) {
    const m = /^([0-9a-fA-F:.]+)(?:\/(\d{1,3}))?$/.exec(part);
    const family = m && isIP(m[1] as string);
    if (!m || !family) return `not a hop count or a list of CIDRs: "${part}"`;
    const max = family === 4 ? 32 : 128;
    const prefix = m[2] === undefined ? max : Number(m[2]);
    if (prefix > max) return `prefix too long in "${part}"`;
    cidrs.push({ address: m[1] as string, prefix, family: family === 4 ? 'ipv4' : 'ipv6' });
  }
  return { kind: 'cidrs', cidrs };
}

export type Config = Readonly<z.infer<typeof schema>>;

/** How WeChat Pay's signatures are verified: WECHATPAY_VERIFY_WITH, else the public key when one is configured. */
export function verificationMode(c: Config): 'certificates' | 'public_key' | 'both' {
  return c.WECHATPAY_VERIFY_WITH ?? (c.WECHATPAY_PUBLIC_KEY_ID ? 'public_key' : 'certificates');
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates `env` and returns the config, or throws a ConfigError naming every bad or missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      const name = i.path.join('.') || '(environment)';
      const missing = i.code === 'invalid_type' && env[name] === undefined;
      return `${name}: ${missing ? 'missing' : i.message}`;
    });
    throw new ConfigError(problems);
  }
  return Object.freeze(result.data);
}
