// Parses the environment once into a frozen, typed object. Imports nothing from the rest of src,
// so any module (and the sandbox's scripts) can read configuration without pulling in the app.
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
    POS_POLL_SCHEDULE_MS: z
      .string()
      .regex(/^\d+(,\d+)*$/)
      .default('3000,5000,10000,12000')
      .transform((s) => s.split(',').map(Number)),
    STAFF_LOGIN_WINDOW_SECONDS: int(1, 86400).default(900),
    STAFF_LOGIN_MAX_PER_USER: int(1, 1000).default(5),
    STAFF_LOGIN_MAX_PER_IP: int(1, 100000).default(30),

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
