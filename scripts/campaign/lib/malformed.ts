// The malformed-request generator: deterministic (seeded) requests that break one thing at a time in an
// otherwise plausible request — wrong types, missing and unknown fields, operator-shaped values, huge and deep
// bodies, bad ids, bad query strings, invalid UTF-8, wrong content types and encodings, wrong methods.
import { gzipSync } from 'node:zlib';
import { fillPath, type EndpointTemplate } from './endpoints';
import type { RawRequest } from './http';
import { Rng } from './random';

export interface MalformedCase {
  endpoint: string;
  kind: string;
  request: RawRequest;
}

export interface GeneratorContext {
  endpoints: EndpointTemplate[];
  validId: string;
  customerToken?: string;
  staffToken?: string;
}

const OPERATORS: unknown[] = [
  { $gt: '' },
  { $ne: null },
  { $regex: '.*' },
  { $where: 'sleep(1000) || true' },
  { $in: [1, 2, 3] },
  { $exists: true },
  { $expr: { $gt: ['$total', 0] } },
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
];

const WRONG_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  -0.0001,
  1e20,
  Number.MAX_SAFE_INTEGER + 2,
  '1',
  '',
  ' ',
  'NaN',
  'Infinity',
  '1e309',
  '0x10',
  [],
  [1, 'a', null],
  {},
  { a: 1 },
  'x'.repeat(5000),
  '\u0000',
  '\ud800',
  '\u202e\u0644\u0627',
  '😀'.repeat(100),
  '../../etc/passwd',
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '${7*7}',
];

const BAD_IDS = [
  '',
  '%20',
  '0',
  '-1',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'x'.repeat(5000),
  '000000000000000000000000',
  'ffffffffffffffffffffffff',
  'zzzzzzzzzzzzzzzzzzzzzzzz',
  '5f5f5f5f5f5f5f5f5f5f5f5f5f',
  encodeURIComponent('{"$gt":""}'),
  encodeURIComponent("' OR 1=1 --"),
  '%00',
  '%zz',
  '%',
  '..%2F..%2Fadmin',
  '%2e%2e',
  encodeURIComponent('😀'),
  '%C3%28',
  '%FF%FE',
  '1e309',
  'a;b',
  'a%0d%0aX-Injected:%201',
];

/** `[[[[...]]]]` (or objects) nested `depth` levels. */
export function deepJson(depth: number, kind: 'array' | 'object' = 'array'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** encodeURIComponent that survives lone surrogates (which it refuses): those go out as raw %ED%A0%80 bytes. */
function encode(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Every [path, value] leaf path of a JSON value (objects and arrays), depth-first. */
function leafPaths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v && typeof v === 'object') {
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v as Record<string, unknown>);
    const out: (string | number)[][] = prefix.length ? [prefix] : [];
    for (const [k, x] of entries) out.push(...leafPaths(x, [...prefix, k]));
    return out;
  }
  return [prefix];
}

function setPath(root: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let cur: Record<string | number, unknown> = root;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete cur[last];
  } else cur[last] = value;
}

type Mutator = (
  t: EndpointTemplate,
  rng: Rng,
) => {
  kind: string;
  body?: string | Buffer;
  contentType?: string | null;
  extraHeaders?: Record<string, string>;
  path?: string;
  method?: string;
};

const m = (kind: string, build: Mutator) => ({ kind, build });

function json(v: unknown): string {
  return JSON.stringify(v);
}

const bodyMutators: { kind: string; build: Mutator }[] = [
  m('wrong-type', (t, rng) => {
    const body = clone(t.body ?? {});
    const paths = leafPaths(body);
    if (!paths.length) return { kind: 'wrong-type', body: json({ x: rng.pick(WRONG_VALUES) }) };
    setPath(body, rng.pick(paths), rng.pick(WRONG_VALUES));
    return { kind: 'wrong-type', body: json(body) };
  }),
  m('missing-field', (t, rng) => {
    const body = clone(t.body ?? {});
    const paths = leafPaths(body);
    if (paths.length) setPath(body, rng.pick(paths), undefined);
    return { kind: 'missing-field', body: json(body) };
  }),
  m('operator', (t, rng) => {
    const body = clone(t.body ?? {});
    const paths = leafPaths(body);
    if (paths.length) setPath(body, rng.pick(paths), rng.pick(OPERATORS));
    else body.id = rng.pick(OPERATORS);
    return { kind: 'operator', body: json(body) };
  }),
  m('unknown-field', (t, rng) => {
    const body = clone(t.body ?? {}) as Record<string, unknown>;
    const extra = rng.pick(['admin', 'role', 'status', 'total', 'refunded', 'price', 'customerOpenid', '$set', 'unknownField', 'paidAt']);
    body[extra] = rng.pick(['PAID', 0, 999999, 'admin', { $inc: { refunded: 1 } }, true]);
    return { kind: 'unknown-field', body: json(body) };
  }),
  // __proto__ written as a literal key: JSON.stringify cannot produce it.
  m('proto-key', (t) => {
    const rest = json(t.body ?? {}).slice(1);
    return {
      kind: 'proto-key',
      body: `{"__proto__":{"isAdmin":true,"status":"PAID"},"constructor":{"prototype":{"x":1}}${rest === '}' ? '' : ','}${rest}`,
    };
  }),
  m('not-an-object', (_t, rng) => ({
    kind: 'not-an-object',
    body: rng.pick(['[]', '[1,2]', '"text"', '42', 'null', 'true', '-0', '1e400']),
  })),
  m('invalid-json', (_t, rng) => ({
    kind: 'invalid-json',
    body: rng.pick([
      '{',
      '{"a":',
      '{"a":1,}',
      "{'a':1}",
      '{a:1}',
      '{"a":1} trailing',
      '\ufeff{}',
      '{"a":1/*c*/}',
      '{"a":NaN}',
      '{"a":01}',
      '{"a":"\\x41"}',
      '{"a":"\\ud800"}',
    ]),
  })),
  m('empty-body', () => ({ kind: 'empty-body', body: '', contentType: 'application/json' })),
  m('duplicate-keys', (t) => {
    const body = json(t.body ?? {}).replace(/^\{/, '{"dup":1,"dup":{"$gt":""},');
    return { kind: 'duplicate-keys', body };
  }),
  m('deep-body', (_t, rng) => ({
    kind: 'deep-body',
    body: deepJson(rng.pick([200, 2000, 20000, 100000]), rng.pick(['array', 'object'] as const)),
  })),
  m('deep-field', (t, rng) => {
    // Spliced in as text: JSON.stringify itself overflows the stack on such depths.
    const body = clone(t.body ?? {}) as Record<string, unknown>;
    const paths = leafPaths(body);
    if (paths.length) setPath(body, rng.pick(paths), '__DEEP__');
    else body.deep = '__DEEP__';
    return {
      kind: 'deep-field',
      body: json(body).replace('"__DEEP__"', deepJson(rng.pick([100, 1000, 5000]), rng.pick(['array', 'object'] as const))),
    };
  }),
  m('huge-body', (t, rng) => {
    const body = clone(t.body ?? {}) as Record<string, unknown>;
    body.pad = 'A'.repeat(rng.pick([200_000, 1_100_000, 3_000_000]));
    return { kind: 'huge-body', body: json(body) };
  }),
  m('huge-array', (_t, rng) => ({
    kind: 'huge-array',
    body: json({ items: Array.from({ length: rng.pick([1000, 50_000]) }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) }),
  })),
  m('many-keys', (_t, rng) => {
    const keys: Record<string, number> = {};
    for (let i = 0; i < rng.pick([1000, 20_000]); i++) keys[`k${i}`] = i;
    return { kind: 'many-keys', body: json(keys) };
  }),
  m('invalid-utf8', (t) => {
    // Invalid UTF-8 bytes inside a JSON string value.
    const text = json(t.body ?? { a: 'x' });
    const i = text.indexOf('"', text.indexOf(':')) + 1 || 1;
    return {
      kind: 'invalid-utf8',
      body: Buffer.concat([
        Buffer.from(text.slice(0, i)),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]),
        Buffer.from(text.slice(i)),
      ]),
    };
  }),
  m('utf16-body', (t) => ({
    kind: 'utf16-body',
    body: Buffer.from(json(t.body ?? {}), 'utf16le'),
    contentType: 'application/json; charset=utf-16',
  })),
  m('odd-charset', (t, rng) => ({
    kind: 'odd-charset',
    body: json(t.body ?? {}),
    contentType: `application/json; charset=${rng.pick(['latin1', 'bogus-charset', 'utf-32', '"'])}`,
  })),
  m('wrong-content-type', (t, rng) => ({
    kind: 'wrong-content-type',
    body: json(t.body ?? {}),
    contentType: rng.pick([
      'text/plain',
      'application/xml',
      'application/octet-stream',
      'text/html',
      'image/png',
      '*/*',
      'application/jsonx',
      '',
    ]),
  })),
  m('form-encoded', (_t) => ({
    kind: 'form-encoded',
    body: 'items[0][sku]=x&items[0][quantity][$gt]=0&clientRequestId[$ne]=1&amount=1&code[$gt]=',
    contentType: 'application/x-www-form-urlencoded',
  })),
  m('multipart', (_t) => ({
    kind: 'multipart',
    body: '--XX\r\nContent-Disposition: form-data; name="amount"\r\n\r\n{"$gt":""}\r\n--XX--\r\n',
    contentType: 'multipart/form-data; boundary=XX',
  })),
  m('multipart-broken', (_t) => ({
    kind: 'multipart-broken',
    body: '--XX\r\nContent-Disposition: form-data; name="f"; filename="../../x"\r\n\r\n' + 'A'.repeat(1000),
    contentType: 'multipart/form-data; boundary=XX',
  })),
  m('no-content-type', (_t) => ({ kind: 'no-content-type', body: '{"a":1}', contentType: null })),
  m('gzip-bomb', () => ({ kind: 'gzip-bomb', body: gzipBomb(), extraHeaders: { 'content-encoding': 'gzip' } })),
  m('bad-encoding', (t) => ({ kind: 'bad-encoding', body: json(t.body ?? {}), extraHeaders: { 'content-encoding': 'gzip' } })),
  m('unknown-encoding', (_t, rng) => ({
    kind: 'unknown-encoding',
    body: '{}',
    extraHeaders: { 'content-encoding': rng.pick(['br', 'compress', 'x-bogus', 'gzip, gzip']) },
  })),
];

let bomb: Buffer | undefined;
/** 20 MiB of spaces in ~20 KiB of gzip, built once. */
function gzipBomb(): Buffer {
  bomb ??= gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
  return bomb;
}

/** Mutators that cost megabytes per request: drawn less often. */
const EXPENSIVE = new Set(['huge-body', 'huge-array', 'many-keys', 'gzip-bomb']);

function query(q: Record<string, string>): string {
  return Object.entries(q)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const queryMutators: Mutator[] = [
  (t, rng) => {
    const q = { ...(t.query ?? { page: '1' }) };
    const k = rng.pick(Object.keys(q));
    q[k] = encode(typeof rng.pick(WRONG_VALUES) === 'object' ? JSON.stringify(rng.pick(WRONG_VALUES)) : String(rng.pick(WRONG_VALUES)));
    return { kind: 'query-wrong-type', path: `${t.path}?${query(q)}` };
  },
  (t, rng) => {
    const q = t.query ?? { page: '1' };
    const k = rng.pick(Object.keys(q));
    return { kind: 'query-operator', path: `${t.path}?${k}[$gt]=&${k}[$ne]=x` };
  },
  (t, rng) => {
    const q = t.query ?? { page: '1' };
    const k = rng.pick(Object.keys(q));
    return { kind: 'query-repeated', path: `${t.path}?${k}=1&${k}=2&${k}[]=3` };
  },
  (t, rng) => ({
    kind: 'query-numbers',
    path: `${t.path}?page=${rng.pick(['-1', '0', '1e9', '99999999999999999999', '1.5', 'NaN'])}&pageSize=${rng.pick(['0', '-5', '100000', 'abc', '1e3'])}`,
  }),
  (t) => ({ kind: 'query-bad-encoding', path: `${t.path}?page=%zz&status=%C3%28&from=%00` }),
  (t) => ({ kind: 'query-long', path: `${t.path}?outTradeNo=${'A'.repeat(6000)}` }),
  (t, rng) => ({
    kind: 'query-unknown',
    path: `${t.path}?${rng.pick(['admin=true', 'customerOpenid=x', '$where=1', '__proto__[x]=1', 'constructor[prototype][x]=1'])}`,
  }),
];

function headerMutator(t: EndpointTemplate, rng: Rng): { kind: string; extraHeaders: Record<string, string>; dropAuth?: boolean } {
  if (t.auth === 'wechatpay') {
    const h: Record<string, string> = {
      'wechatpay-timestamp': rng.pick(['abc', '-1', '99999999999999999999', '', String(Math.floor(Date.now() / 1000))]),
      'wechatpay-nonce': rng.pick(['', 'x'.repeat(8000), 'n']),
      'wechatpay-signature': rng.pick(['', 'WECHATPAY/SIGNTEST/AAAA', '%%%', 'A'.repeat(6000), 'AAAA']),
      'wechatpay-serial': rng.pick(['', 'ZZ', '0'.repeat(40), 'PUB_KEY_ID_0000', "'; DROP"]),
      'wechatpay-signature-type': rng.pick(['WECHATPAY2-SHA256-RSA2048', 'none', 'HMAC-SHA256']),
    };
    return { kind: 'notify-headers', extraHeaders: h };
  }
  return {
    kind: 'auth-header',
    dropAuth: true,
    extraHeaders: {
      authorization: rng.pick([
        'Bearer',
        'Bearer ',
        `Bearer ${'A'.repeat(7000)}`,
        'Basic YWRtaW46YWRtaW4=',
        'Bearer a.b.c',
        'Bearer {"$gt":""}',
        'bearer  x',
        'Bearer \u00ff\u00fe',
      ]),
    },
  };
}

const WRONG_METHODS = ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND'];

/** Generates `count` malformed requests, spread round-robin across the endpoints. */
export function* generateMalformed(ctx: GeneratorContext, count: number, seed = 1): Generator<MalformedCase> {
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) {
    const t = ctx.endpoints[i % ctx.endpoints.length]!;
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = t.auth === 'customer' ? ctx.customerToken : t.auth === 'staff' ? ctx.staffToken : undefined;
    if (token) headers.authorization = `Bearer ${token}`;
    const hasId = t.path.includes(':id');
    let path = fillPath(t.path, ctx.validId);
    if (t.query) path += `?${query(t.query)}`;
    let method: string = t.method;
    let body: string | Buffer | undefined = t.method === 'POST' ? json(t.body ?? {}) : undefined;
    let contentType: string | null | undefined = t.method === 'POST' ? 'application/json' : undefined;
    let kind: string;
    const roll = rng.next();
    if (hasId && roll < 0.15) {
      kind = 'bad-id';
      path = fillPath(t.path, rng.pick(BAD_IDS), rng.pick(['2026-01-01', '1', '99999999', '%00', encodeURIComponent('{"$gt":""}')]));
    } else if (roll < 0.22) {
      const h = headerMutator(t, rng);
      kind = h.kind;
      if (h.dropAuth) delete headers.authorization;
      Object.assign(headers, h.extraHeaders);
    } else if (roll < 0.26) {
      kind = 'wrong-method';
      method = rng.pick(WRONG_METHODS);
    } else if (t.method === 'GET' && roll < 0.45) {
      kind = 'get-with-body';
      body = rng.pick(['{"$gt":""}', deepJson(5000), '\u0000\u0001', 'A'.repeat(100_000)]);
      contentType = 'application/json';
    } else if (t.method === 'GET') {
      const m = rng.pick(queryMutators)(t, rng);
      kind = m.kind;
      path = m.path ?? path;
    } else {
      // Huge bodies cost megabytes each: keep them a small share of the run.
      let pick = rng.pick(bodyMutators);
      while (EXPENSIVE.has(pick.kind) && rng.next() < 0.7) pick = rng.pick(bodyMutators);
      const m = pick.build(t, rng);
      kind = m.kind;
      body = m.body;
      if (m.contentType !== undefined) contentType = m.contentType;
      Object.assign(headers, m.extraHeaders ?? {});
    }
    if (contentType) headers['content-type'] = contentType;
    yield { endpoint: t.name, kind, request: { method, path, headers, body } };
  }
}
