// Signing and verification throughput of the WeChat Pay client beside raw node:crypto (same key, same run) and
// beside wechatpay-axios-plugin and wechatpay-node-v3 doing the same work. Rounds are interleaved and the median
// kept, so drift in machine load hits every contender alike.
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { issueCertificate } from '../server/sandbox/keys/certificates';
import { MerchantSigner, StaticKeyResolver, readSignedHeaders, validateSignedMessage } from '../server/src/wechatpay';
import {
  buildRequestMessage,
  buildResponseMessage,
  formatAuthorization,
  loadPrivateKey,
  randomNonce,
  signSha256RsaSync,
  verifySha256Rsa,
} from '../server/src/wechatpay/crypto';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Rsa, Formatter } = require('wechatpay-axios-plugin') as {
  Rsa: {
    sign(m: string, k: KeyObject): string;
    verify(m: string, s: string, k: KeyObject): boolean;
    from(t: string, type?: string): KeyObject;
  };
  Formatter: {
    nonce(n?: number): string;
    timestamp(): number;
    request(method: string, uri: string, ts: number | string, nonce: string, body?: string): string;
    response(ts: number | string, nonce: string, body?: string): string;
    authorization(mchid: string, nonce: string, signature: string, ts: number | string, serial: string): string;
  };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const WxPayV3 = require('wechatpay-node-v3') as {
  new (o: { appid: string; mchid: string; publicKey: Buffer; privateKey: Buffer; serial_no?: string }): {
    getSignature(method: string, nonce: string, ts: string, url: string, body?: unknown): string;
    verifySign(p: { timestamp: string; nonce: string; body: string; serial: string; signature: string }): Promise<boolean>;
  };
  certificates: Record<string, string>;
};

// Many short interleaved slices: other load on the machine hits every contender alike, and each ratio is the
// median of per-round ratios between neighbouring measurements.
const DURATION_MS = Number(process.env.BENCH_MS ?? 250);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const CONCURRENCY = 32;

const merchant = issueCertificate({ commonName: 'bench merchant' });
const platform = issueCertificate({ commonName: 'bench platform' });
const privateKey = loadPrivateKey(merchant.privateKeyPem);
const platformPrivate = loadPrivateKey(platform.privateKeyPem);
const platformPublic = createPublicKey(platformPrivate);

const mchid = '1900000109';
const target = '/v3/global/transactions/jsapi';
const body = JSON.stringify({
  sp_appid: 'wx2421b1c4370ec43b',
  sp_mchid: '10000100',
  sub_mchid: '20000100',
  sub_appid: 'wx352671b037b437ec',
  description: 'Image形象店-深圳腾大-QQ公仔',
  out_trade_no: '20150806125346',
  notify_url: 'https://merchant.example/notify',
  merchant_category_code: '4111',
  trade_type: 'JSAPI',
  amount: { total: 10000, currency: 'HKD' },
  payer: { sub_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
});

// A signed answer to verify.
const respBody = JSON.stringify({
  id: '4200000001',
  out_trade_no: '20150806125346',
  trade_state: 'SUCCESS',
  amount: { total: 10000, currency: 'HKD' },
});
const respTs = String(Math.floor(Date.now() / 1000));
const respNonce = randomNonce();
const respMessage = buildResponseMessage(respTs, respNonce, respBody);
const respSig = signSha256RsaSync(platformPrivate, respMessage);
const respHeaders = {
  'wechatpay-timestamp': respTs,
  'wechatpay-nonce': respNonce,
  'wechatpay-signature': respSig,
  'wechatpay-serial': platform.serial,
};

const signer = new MerchantSigner({ mchid, serial: merchant.serial, privateKey });
const resolver = new StaticKeyResolver([{ id: platform.serial, key: platform.certificatePem }]);
const axiosKey = Rsa.from(merchant.privateKeyPem);
const axiosPub = Rsa.from(platform.certificatePem, 'public');
const nodeV3 = new WxPayV3({
  appid: 'wx2421b1c4370ec43b',
  mchid,
  publicKey: Buffer.from(merchant.certificatePem),
  privateKey: Buffer.from(merchant.privateKeyPem),
  serial_no: merchant.serial,
});
WxPayV3.certificates[platform.serial] = platform.certificatePem; // as after its certificate download

type Contender = { name: string; group: 'sign' | 'verify'; mode: 'sync' | 'async'; fn: () => unknown };

const ts = () => String(Math.floor(Date.now() / 1000));
const contenders: Contender[] = [
  // --- signing a request (nonce + timestamp + message + SHA256withRSA + Authorization) ---
  {
    group: 'sign',
    mode: 'sync',
    name: 'raw node:crypto sign (sync)',
    fn: () => sign('sha256', Buffer.from(buildRequestMessage('POST', target, ts(), randomNonce(), body)), privateKey).toString('base64'),
  },
  {
    group: 'sign',
    mode: 'sync',
    name: 'ours signSha256RsaSync + Authorization',
    fn: () => {
      const n = randomNonce();
      const t = ts();
      const s = signSha256RsaSync(privateKey, buildRequestMessage('POST', target, t, n, body));
      return formatAuthorization({ mchid, nonce: n, timestamp: t, serial: merchant.serial, signature: s });
    },
  },
  {
    group: 'sign',
    mode: 'sync',
    name: 'wechatpay-axios-plugin (sync)',
    fn: () => {
      const n = Formatter.nonce();
      const t = Formatter.timestamp();
      const s = Rsa.sign(Formatter.request('POST', target, t, n, body), axiosKey);
      return Formatter.authorization(mchid, n, s, t, merchant.serial);
    },
  },
  {
    group: 'sign',
    mode: 'sync',
    name: 'wechatpay-node-v3 (sync)',
    fn: () => {
      const n = randomNonce();
      const t = ts();
      const s = nodeV3.getSignature('POST', n, t, target, body);
      return `WECHATPAY2-SHA256-RSA2048 mchid="${mchid}",nonce_str="${n}",timestamp="${t}",serial_no="${merchant.serial}",signature="${s}"`;
    },
  },
  {
    group: 'sign',
    mode: 'async',
    name: `raw node:crypto sign (callback, ${CONCURRENCY} in flight)`,
    fn: () =>
      new Promise((res, rej) =>
        sign('sha256', Buffer.from(buildRequestMessage('POST', target, ts(), randomNonce(), body)), privateKey, (e, s) =>
          e ? rej(e) : res(s.toString('base64')),
        ),
      ),
  },
  {
    group: 'sign',
    mode: 'async',
    name: `ours MerchantSigner.signRequest (${CONCURRENCY} in flight)`,
    fn: () => signer.signRequest('POST', target, body),
  },
  // --- verifying a response ---
  {
    group: 'verify',
    mode: 'sync',
    name: 'raw node:crypto verify',
    fn: () =>
      verify('sha256', Buffer.from(buildResponseMessage(respTs, respNonce, respBody)), platformPublic, Buffer.from(respSig, 'base64')),
  },
  {
    group: 'verify',
    mode: 'async',
    name: 'raw node:crypto verify (awaited, same harness)',
    fn: async () =>
      verify('sha256', Buffer.from(buildResponseMessage(respTs, respNonce, respBody)), platformPublic, Buffer.from(respSig, 'base64')),
  },
  {
    group: 'verify',
    mode: 'sync',
    name: 'ours verifySha256Rsa',
    fn: () => verifySha256Rsa(platformPublic, buildResponseMessage(respTs, respNonce, respBody), respSig),
  },
  {
    group: 'verify',
    mode: 'async',
    name: 'ours validateSignedMessage (headers, window, serial lookup)',
    fn: () => validateSignedMessage(readSignedHeaders(respHeaders), respBody, { resolver }),
  },
  {
    group: 'verify',
    mode: 'sync',
    name: 'wechatpay-axios-plugin Rsa.verify',
    fn: () => Rsa.verify(Formatter.response(respTs, respNonce, respBody), respSig, axiosPub),
  },
  {
    group: 'verify',
    mode: 'async',
    name: 'wechatpay-node-v3 verifySign',
    fn: () => nodeV3.verifySign({ timestamp: respTs, nonce: respNonce, body: respBody, serial: platform.serial, signature: respSig }),
  },
];

async function measure(c: Contender): Promise<number> {
  const end = performance.now() + DURATION_MS;
  let ops = 0;
  const start = performance.now();
  if (c.mode === 'sync') {
    while (performance.now() < end) {
      for (let i = 0; i < 16; i++) c.fn();
      ops += 16;
    }
  } else {
    // Sequential awaits for verifiers (cheap, CPU-bound on the main thread); many in flight for signers (thread pool).
    const inflight = c.group === 'sign' ? CONCURRENCY : 1;
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        while (performance.now() < end) {
          await c.fn();
          ops++;
        }
      }),
    );
  }
  return (ops * 1000) / (performance.now() - start);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  // Sanity: every contender produces a valid signature / verdict before it is timed.
  for (const c of contenders) {
    const out = await c.fn();
    if (c.group === 'verify' && !(out === true || (out as { ok?: boolean }).ok === true)) throw new Error(`${c.name} failed to verify`);
  }
  const results = new Map<string, number[]>();
  for (const c of contenders) for (let i = 0; i < 30; i++) await c.fn(); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of contenders) {
      const v = await measure(c);
      results.set(c.name, [...(results.get(c.name) ?? []), v]);
    }
  }
  const ops = (name: string) => median(results.get(name)!);
  process.stdout.write(
    `node ${process.version}, ${availableParallelism()} cores, libuv pool ${process.env.UV_THREADPOOL_SIZE ?? 4}, ${ROUNDS} interleaved rounds x ${DURATION_MS} ms per contender (median)\n\n`,
  );
  for (const group of ['sign', 'verify'] as const) {
    process.stdout.write(`${group === 'sign' ? 'Signing a request' : 'Verifying a response'}\n`);
    for (const c of contenders.filter((x) => x.group === group)) {
      process.stdout.write(`  ${c.name.padEnd(62)} ${ops(c.name).toFixed(0).padStart(8)} ops/s\n`);
    }
    process.stdout.write('\n');
  }
  const ratio = (a: string, b: string) => {
    const xs = results.get(a)!;
    const ys = results.get(b)!;
    return median(xs.map((x, i) => x / ys[i]!));
  };
  const lines: Array<[string, number, string]> = [
    ['sign sync: ours / raw node:crypto', ratio('ours signSha256RsaSync + Authorization', 'raw node:crypto sign (sync)'), 'goal >= 0.90'],
    [
      'sign async: ours signRequest / raw callback sign',
      ratio(`ours MerchantSigner.signRequest (${CONCURRENCY} in flight)`, `raw node:crypto sign (callback, ${CONCURRENCY} in flight)`),
      'goal >= 0.90',
    ],
    [
      'sign sync: ours / wechatpay-axios-plugin',
      ratio('ours signSha256RsaSync + Authorization', 'wechatpay-axios-plugin (sync)'),
      'goal >= 1',
    ],
    ['sign sync: ours / wechatpay-node-v3', ratio('ours signSha256RsaSync + Authorization', 'wechatpay-node-v3 (sync)'), 'goal >= 1'],
    [
      'sign: ours signRequest (thread pool) / axios-plugin',
      ratio(`ours MerchantSigner.signRequest (${CONCURRENCY} in flight)`, 'wechatpay-axios-plugin (sync)'),
      'goal >= 1',
    ],
    [
      'sign: ours signRequest (thread pool) / node-v3',
      ratio(`ours MerchantSigner.signRequest (${CONCURRENCY} in flight)`, 'wechatpay-node-v3 (sync)'),
      'goal >= 1',
    ],
    ['verify: ours verifySha256Rsa / raw node:crypto', ratio('ours verifySha256Rsa', 'raw node:crypto verify'), 'goal >= 0.90'],
    [
      'verify: ours full validation / raw verify, both awaited',
      ratio('ours validateSignedMessage (headers, window, serial lookup)', 'raw node:crypto verify (awaited, same harness)'),
      'goal >= 0.90',
    ],
    [
      'verify: ours verifySha256Rsa / wechatpay-axios-plugin',
      ratio('ours verifySha256Rsa', 'wechatpay-axios-plugin Rsa.verify'),
      'goal >= 1',
    ],
    [
      'verify: ours full validation / wechatpay-node-v3',
      ratio('ours validateSignedMessage (headers, window, serial lookup)', 'wechatpay-node-v3 verifySign'),
      'goal >= 1',
    ],
  ];
  process.stdout.write('Ratios (ops/s ÷ ops/s)\n');
  for (const [label, r, goal] of lines) {
    // Against a peer doing identical crypto calls, 0.95..1 is a tie: run-to-run noise on a shared machine is larger.
    const verdict = goal.includes('0.90')
      ? r >= 0.9
        ? ''
        : '  (MISSED)'
      : r >= 1
        ? ''
        : r >= 0.95
          ? '  (tie, within noise)'
          : '  (MISSED)';
    process.stdout.write(`  ${label.padEnd(56)} ${r.toFixed(2).padStart(6)}  ${goal}${verdict}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
});
