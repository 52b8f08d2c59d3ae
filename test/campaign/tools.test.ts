// The campaign's own tools: the pool, percentiles, the seeded generator of malformed requests, the forgery
// builders (checked against the WeChat Pay client's own notification parser) and the bad tokens (checked
// against the backend's token verifier).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { verifyToken, signToken } from '../../server/src/auth/jwt';
import { NotificationParser, StaticKeyResolver } from '../../server/src/wechatpay';
import { endpointCatalog } from '../../scripts/campaign/lib/endpoints';
import { forgeryBuilders } from '../../scripts/campaign/lib/forgeries';
import { assertLoopback } from '../../scripts/campaign/lib/http';
import { generateMalformed } from '../../scripts/campaign/lib/malformed';
import { buildNotification, randomSerial, strangerKey } from '../../scripts/campaign/lib/notifications';
import { runPool } from '../../scripts/campaign/lib/pool';
import { Rng } from '../../scripts/campaign/lib/random';
import { percentile, Latency } from '../../scripts/campaign/lib/stats';
import { badTokens } from '../../scripts/campaign/lib/tokens';

describe('runPool', () => {
  it('never runs more than `limit` tasks at once, keeps input order and settles every task', async () => {
    let running = 0;
    let peak = 0;
    const out = await runPool([...Array(40).keys()], 7, async (i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      running--;
      if (i % 10 === 3) throw new Error(`task ${i}`);
      return i * 2;
    });
    expect(peak).toBe(7);
    expect(out).toHaveLength(40);
    expect(out.filter((r) => !r.ok)).toHaveLength(4);
    expect(out[5]).toEqual({ ok: true, value: 10 });
  });

  it('refuses a limit below 1', async () => {
    await expect(runPool([1], 0, async () => 1)).rejects.toThrow(/positive integer/);
  });
});

describe('percentiles', () => {
  it('uses the nearest rank', () => {
    const samples = [...Array(100).keys()].map((i) => i + 1); // 1..100
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([], 50)).toBe(0);
    expect(percentile([7, 1, 3], 50)).toBe(3);
  });

  it('Latency records even when the timed call throws', async () => {
    const l = new Latency();
    await l.time(async () => 1);
    await expect(l.time(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(l.count).toBe(2);
  });
});

describe('assertLoopback', () => {
  it('accepts loopback http and refuses anything else', () => {
    expect(assertLoopback('http://127.0.0.1:3000').port).toBe('3000');
    expect(() => assertLoopback('http://localhost:1')).not.toThrow();
    expect(() => assertLoopback('https://127.0.0.1:3000')).toThrow(/loopback/);
    expect(() => assertLoopback('http://10.0.0.1:3000')).toThrow(/loopback/);
    expect(() => assertLoopback('http://example.com')).toThrow(/loopback/);
  });
});

describe('generateMalformed', () => {
  const endpoints = endpointCatalog({
    orderId: '6b041a642dd764c9b0273721',
    notifyTransactionsPath: '/wechatpay/notify/transactions',
    notifyRefundsPath: '/wechatpay/notify/refunds',
  });
  const ctx = { endpoints, validId: '6b041a642dd764c9b0273721', customerToken: 'c.c.c', staffToken: 's.s.s' };

  it('is deterministic for a seed and different across seeds', () => {
    const a = [...generateMalformed(ctx, 300, 42)].map((c) => `${c.kind} ${c.request.method} ${c.request.path}`);
    const b = [...generateMalformed(ctx, 300, 42)].map((c) => `${c.kind} ${c.request.method} ${c.request.path}`);
    const c = [...generateMalformed(ctx, 300, 43)].map((x) => `${x.kind} ${x.request.method} ${x.request.path}`);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('covers every endpoint and every class of malformation in 10,000 requests', () => {
    const cases = [...generateMalformed(ctx, 10_000, 20261123)];
    expect(cases).toHaveLength(10_000);
    expect(new Set(cases.map((c) => c.endpoint))).toEqual(new Set(endpoints.map((e) => e.name)));
    const kinds = new Set(cases.map((c) => c.kind));
    for (const k of [
      'wrong-type',
      'missing-field',
      'unknown-field',
      'operator',
      'proto-key',
      'deep-body',
      'deep-field',
      'huge-body',
      'invalid-utf8',
      'wrong-content-type',
      'bad-id',
      'query-operator',
      'wrong-method',
      'auth-header',
      'notify-headers',
      'gzip-bomb',
    ]) {
      expect(kinds).toContain(k);
    }
    const bodies = cases.map((c) =>
      c.request.body === undefined ? '' : Buffer.isBuffer(c.request.body) ? c.request.body.toString('latin1') : c.request.body,
    );
    expect(bodies.some((b) => b.includes('{"$gt":""}'))).toBe(true);
    // Invalid UTF-8 really is invalid: the bytes do not survive a UTF-8 round trip.
    const utf8 = cases.find((c) => c.kind === 'invalid-utf8')!.request.body as Buffer;
    expect(Buffer.from(utf8.toString('utf8'), 'utf8').equals(utf8)).toBe(false);
    // Huge bodies are a small share of the run (they cost megabytes each).
    expect(cases.filter((c) => c.kind === 'huge-body' || c.kind === 'gzip-bomb').length).toBeLessThan(300);
  });
});

describe('forgeries', () => {
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serial = randomSerial();
  const apiV3Key = randomBytes(16).toString('hex');
  const parser = new NotificationParser({ apiV3Key, resolver: new StaticKeyResolver([{ id: serial, key: platform.publicKey }]) });
  const signer = { privateKey: platform.privateKey, serial };
  const tx = (outTradeNo: string, total: number) => ({
    mchid: '1900000001',
    appid: 'wx0000000000000001',
    out_trade_no: outTradeNo,
    id: `4200${outTradeNo}`,
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    trade_state_desc: 'ok',
    success_time: '2026-11-23T10:00:00+08:00',
    payer: { openid: 'o1' },
    amount: { total, currency: 'HKD', payer_total: total, payer_currency: 'HKD' },
  });
  const paid = tx('PAID0001', 500);
  const paidDelivery = buildNotification({ signer, apiV3Key, eventType: 'TRANSACTION.SUCCESS', resource: paid, eventId: 'EV-PAID' });
  const builders = forgeryBuilders({
    signer,
    apiV3Key,
    targetTransaction: tx('TARGET01', 500),
    paidTransaction: paid,
    paidDelivery,
    paidEventId: 'EV-PAID',
    otherMerchant: { mchid: '1800000002', appid: 'wx0000000000000002' },
    stranger: strangerKey(),
  });

  it('has at least 12 kinds and a genuine delivery passes the client parser', async () => {
    expect(Object.keys(builders).length).toBeGreaterThanOrEqual(12);
    const genuine = await parser.parse(paidDelivery.headers, paidDelivery.body);
    expect(genuine.ok).toBe(true);
  });

  // Crypto-level forgeries must fail verification or decryption; the others are genuinely signed and encrypted
  // and must be caught by the backend against the order (amount, currency, merchant, trade state, replay).
  const cryptoKinds = [
    'bad-signature',
    'another-key',
    'stale-timestamp',
    'future-timestamp',
    'unknown-serial',
    'unknown-serial-genuine-key',
    'signtest',
    'body-changed-after-signing',
    'tampered-ciphertext',
    'tampered-tag',
    'wrong-associated-data',
    'wrong-apiv3-key',
    'wrong-algorithm',
    'no-algorithm',
    'replayed-body-resigned',
    'missing-signature-headers',
  ];
  const semanticKinds = [
    'amount-changed',
    'currency-changed',
    'another-merchant',
    'another-appid',
    'trade-state-not-success',
    'replay-other-order-same-event',
    'replay-other-order-new-event',
    'verbatim-replay',
  ];

  it.each(cryptoKinds)('%s is rejected by signature or decryption checks', async (kind) => {
    const d = builders[kind]!();
    const r = await parser.parse(d.headers, d.body);
    expect(r.ok).toBe(false);
  });

  it.each(semanticKinds)('%s passes the crypto checks and differs from the genuine one only in content', async (kind) => {
    const d = builders[kind]!();
    const r = await parser.parse(d.headers, d.body);
    expect(r.ok).toBe(true);
  });

  it('names every kind exactly once in the two lists above', () => {
    expect([...cryptoKinds, ...semanticKinds].sort()).toEqual(Object.keys(builders).sort());
  });
});

describe('bad tokens', () => {
  const secret = randomBytes(32).toString('hex');
  it.each(['customer', 'staff'] as const)('every kind is refused by the backend verifier (%s)', (aud) => {
    const genuine = signToken(secret, { sub: 'someone', aud, ...(aud === 'staff' ? { role: 'viewer' } : {}) }, 600);
    expect(verifyToken(secret, genuine, aud).sub).toBe('someone');
    const tokens = badTokens({ secret, sub: 'victim', aud, role: aud === 'staff' ? 'admin' : undefined, genuine });
    expect(Object.keys(tokens).length).toBeGreaterThanOrEqual(10);
    for (const [kind, token] of Object.entries(tokens)) {
      expect(() => verifyToken(secret, token, aud)).toThrow();
      void kind;
    }
  });
});

describe('Rng', () => {
  it('is reproducible and shuffles in place', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    expect([a.next(), a.next(), a.int(3, 10)]).toEqual([b.next(), b.next(), b.int(3, 10)]);
    const list = [...Array(20).keys()];
    expect(new Rng(1).shuffle([...list]).sort((x, y) => x - y)).toEqual(list);
  });
});
