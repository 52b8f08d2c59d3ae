// `wxpay`: sign, verify, decrypt, paysign, certs, call. Built for SIGN_ERROR debugging: every command prints the
// exact string that was signed. Exit codes: 0 ok, 1 verification or API failure, 2 bad or missing input.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StaticKeyResolver, CombinedKeyResolver, type PublicKeyResolver } from '../auth/key-resolver';
import { MerchantSigner } from '../auth/signer';
import { CertificateManager } from '../certificates';
import { decryptAesGcm } from '../crypto/aes-gcm';
import { buildPaySignMessage, buildResponseMessage } from '../crypto/message';
import { loadPublicKey } from '../crypto/keys';
import { randomNonce } from '../crypto/nonce';
import { verifySha256Rsa } from '../crypto/rsa';
import { isWechatPayError } from '../errors';
import { ApiCore } from '../http/core';
import { createNodeTransport, type Transport } from '../http/transport';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  transport?: Transport;
}

class UsageError extends Error {}

const USAGE = `Usage: wxpay <command> [options]

Commands
  sign     --method M --url PATH[?QUERY] [--body JSON|@file] [--timestamp T] [--nonce N]
           Print the exact message signed and the Authorization header.
  verify   --timestamp T --nonce N --signature S --body TEXT|@file (--cert FILE | --public-key FILE)
           Check a WeChat Pay signature over "T\\nN\\nBODY\\n".
  decrypt  (--resource JSON|@file | --nonce N --ciphertext B64 [--associated-data A])
           Decrypt an AEAD_AES_256_GCM resource with the APIv3 key.
  paysign  --appid A --prepay-id P [--timestamp T] [--nonce N]
           Print the wx.requestPayment parameters and the string paySign signs.
  certs    Download, verify and decrypt the platform certificates (PEM to stdout).
  call     METHOD PATH [BODY|@file]
           Send a signed request and verify the answer.
  doctor   [--json] [--no-db]
           Go-live checks of the backend's configuration (its environment) against WeChat Pay and MongoDB.

Common options (or environment)
  --mchid            WECHATPAY_MCHID             caller's merchant id (sp_mchid in institution mode)
  --serial           WECHATPAY_MERCHANT_SERIAL   merchant API certificate serial
  --private-key      WECHATPAY_PRIVATE_KEY_PATH  merchant API private key file (PEM)
  --apiv3-key        WECHATPAY_APIV3_KEY         32-character APIv3 key
  --base-url         WECHATPAY_BASE_URL          default https://apihk.mch.weixin.qq.com
  --public-key-id    WECHATPAY_PUBLIC_KEY_ID     PUB_KEY_ID_... (optional)
  --public-key       WECHATPAY_PUBLIC_KEY_PATH   WeChat Pay public key file (optional)
  --timeout          WECHATPAY_TIMEOUT_MS        per request, default 5000
  --json             machine-readable output
`;

const OPTIONS = {
  method: { type: 'string' },
  url: { type: 'string' },
  body: { type: 'string' },
  timestamp: { type: 'string' },
  nonce: { type: 'string' },
  signature: { type: 'string' },
  serial: { type: 'string' },
  cert: { type: 'string' },
  resource: { type: 'string' },
  ciphertext: { type: 'string' },
  'associated-data': { type: 'string' },
  appid: { type: 'string' },
  'prepay-id': { type: 'string' },
  mchid: { type: 'string' },
  'private-key': { type: 'string' },
  'apiv3-key': { type: 'string' },
  'base-url': { type: 'string' },
  'public-key-id': { type: 'string' },
  'public-key': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function readMaybeFile(value: string): string {
  if (!value.startsWith('@')) return value;
  try {
    return readFileSync(value.slice(1), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${value.slice(1)}: ${(e as Error).message}`);
  }
}

function readFileArg(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

class Context {
  constructor(
    readonly v: Values,
    readonly io: CliIo,
  ) {}

  need(flag: keyof Values, env?: string): string {
    const value = (this.v[flag] as string | undefined) ?? (env ? this.io.env[env] : undefined);
    if (!value) throw new UsageError(`missing --${flag}${env ? ` (or ${env})` : ''}`);
    return value;
  }

  opt(flag: keyof Values, env?: string): string | undefined {
    return (this.v[flag] as string | undefined) ?? (env ? this.io.env[env] : undefined) ?? undefined;
  }

  signer(): MerchantSigner {
    const mchid = this.need('mchid', 'WECHATPAY_MCHID');
    const serial = this.need('serial', 'WECHATPAY_MERCHANT_SERIAL');
    const keyPath = this.need('private-key', 'WECHATPAY_PRIVATE_KEY_PATH');
    const pem = keyPath.includes('-----BEGIN') ? keyPath : readFileArg(keyPath, 'private key');
    try {
      return new MerchantSigner({ mchid, serial, privateKey: pem });
    } catch (e) {
      throw new UsageError(`the private key cannot be parsed: ${(e as Error).message}`);
    }
  }

  apiV3Key(): string {
    const key = this.need('apiv3-key', 'WECHATPAY_APIV3_KEY');
    if (Buffer.byteLength(key) !== 32) throw new UsageError('the APIv3 key must be 32 bytes');
    return key;
  }

  timeoutMs(): number {
    const t = this.opt('timeout', 'WECHATPAY_TIMEOUT_MS') ?? '5000';
    if (!/^\d+$/.test(t) || Number(t) < 1) throw new UsageError('--timeout must be a positive number of milliseconds');
    return Number(t);
  }

  /** A core that signs with the merchant key and verifies with certificates and/or the public key. */
  api(): { core: ApiCore; certificates?: CertificateManager; close(): void } {
    const signer = this.signer();
    const apiV3Key = this.apiV3Key();
    const pubId = this.opt('public-key-id', 'WECHATPAY_PUBLIC_KEY_ID');
    const pubPath = this.opt('public-key', 'WECHATPAY_PUBLIC_KEY_PATH');
    if (pubId && !pubPath) throw new UsageError('--public-key-id needs --public-key');
    // Whatever WeChat Pay signs with (certificates, the public key, or either during the switch-over) verifies.
    const resolvers: PublicKeyResolver[] = [];
    const pub = pubId && pubPath ? new StaticKeyResolver([{ id: pubId, key: readFileArg(pubPath, 'public key') }]) : undefined;
    if (pub) resolvers.push(pub);
    const certificates = new CertificateManager({ apiV3Key, alsoTrusted: pub });
    resolvers.push(certificates);
    const own = this.io.transport ? undefined : createNodeTransport();
    const core = new ApiCore({
      baseUrl: this.opt('base-url', 'WECHATPAY_BASE_URL') ?? 'https://apihk.mch.weixin.qq.com',
      signer,
      resolver: resolvers.length > 1 ? new CombinedKeyResolver(resolvers) : resolvers[0]!,
      transport: this.io.transport ?? own!,
      timeoutMs: this.timeoutMs(),
      defaultWechatpaySerial: pubId,
      userAgent: 'wxpay-cli/0.1',
    });
    certificates.attach(core);
    return { core, certificates, close: () => own?.close() };
  }

  print(human: string, json: unknown): void {
    this.io.stdout(this.v.json ? `${JSON.stringify(json, null, 2)}\n` : human);
  }
}

async function sign(c: Context): Promise<number> {
  const method = c.need('method').toUpperCase();
  const url = c.need('url');
  if (!url.startsWith('/')) throw new UsageError('--url must be the path and query as sent, starting with "/" (no scheme or host)');
  const body = c.v.body === undefined ? '' : readMaybeFile(c.v.body);
  if (c.v.timestamp !== undefined && !/^\d{10}$/.test(c.v.timestamp)) throw new UsageError('--timestamp must be unix seconds (10 digits)');
  const signed = await c.signer().signRequest(method, url, body, { timestamp: c.v.timestamp, nonce: c.v.nonce });
  c.print(
    `message (JSON-escaped): ${JSON.stringify(signed.message)}\n` +
      `----- message signed -----\n${signed.message}----- end -----\n` +
      `signature: ${signed.signature}\nAuthorization: ${signed.authorization}\n`,
    { message: signed.message, signature: signed.signature, authorization: signed.authorization },
  );
  return 0;
}

async function verify(c: Context): Promise<number> {
  const timestamp = c.need('timestamp');
  const nonce = c.need('nonce');
  const signature = c.need('signature');
  if (c.v.body === undefined) throw new UsageError('missing --body (the raw body; use "" for an empty one)');
  const body = readMaybeFile(c.v.body);
  const keyFile = c.v.cert ?? c.opt('public-key', 'WECHATPAY_PUBLIC_KEY_PATH');
  if (!keyFile) throw new UsageError('missing --cert or --public-key');
  let key;
  try {
    key = loadPublicKey(readFileArg(keyFile, 'key'));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot parse ${keyFile}: ${(e as Error).message}`);
  }
  const message = buildResponseMessage(timestamp, nonce, body);
  const ok = verifySha256Rsa(key, message, signature);
  const age = Math.floor(Date.now() / 1000) - Number(timestamp);
  const note = signature.startsWith('WECHATPAY/SIGNTEST/') ? ' (a WECHATPAY/SIGNTEST/ probe: never valid)' : '';
  c.print(
    `message (JSON-escaped): ${JSON.stringify(message)}\nsignature: ${ok ? 'VALID' : 'INVALID'}${note}\n` +
      `timestamp age: ${age}s${Math.abs(age) > 300 ? ' (outside the 300 s window)' : ''}\n`,
    { valid: ok, message, ageSeconds: age },
  );
  return ok ? 0 : 1;
}

function decrypt(c: Context): number {
  const key = c.apiV3Key();
  let nonce: string;
  let aad: string;
  let ciphertext: string;
  if (c.v.resource !== undefined) {
    let r: { nonce?: unknown; associated_data?: unknown; ciphertext?: unknown; resource?: unknown };
    try {
      r = JSON.parse(readMaybeFile(c.v.resource));
    } catch {
      throw new UsageError('--resource must be JSON: the resource object, a notification, or a certificate list item');
    }
    const inner = (r.resource ?? (r as { encrypt_certificate?: unknown }).encrypt_certificate ?? r) as typeof r;
    if (typeof inner.nonce !== 'string' || typeof inner.ciphertext !== 'string')
      throw new UsageError('the resource needs nonce and ciphertext');
    nonce = inner.nonce;
    ciphertext = inner.ciphertext;
    aad = typeof inner.associated_data === 'string' ? inner.associated_data : '';
  } else {
    nonce = c.need('nonce');
    ciphertext = c.need('ciphertext');
    aad = c.v['associated-data'] ?? '';
  }
  try {
    const plaintext = decryptAesGcm(key, nonce, aad, ciphertext);
    c.print(`${plaintext}\n`, { plaintext });
    return 0;
  } catch (e) {
    c.io.stderr(`decryption failed: ${(e as Error).message}\n`);
    return 1;
  }
}

async function paysign(c: Context): Promise<number> {
  const appId = c.need('appid', 'WECHATPAY_APPID');
  const prepayId = c.need('prepay-id');
  const timeStamp = c.v.timestamp ?? String(Math.floor(Date.now() / 1000));
  if (!/^\d{10}$/.test(timeStamp)) throw new UsageError('--timestamp must be unix seconds (10 digits)');
  const nonceStr = c.v.nonce ?? randomNonce();
  const pkg = prepayId.startsWith('prepay_id=') ? prepayId : `prepay_id=${prepayId}`;
  const message = buildPaySignMessage(appId, timeStamp, nonceStr, pkg);
  const paySign = await c.signer().signPayment(appId, timeStamp, nonceStr, pkg);
  const params = { timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign };
  c.print(
    `message (JSON-escaped): ${JSON.stringify(message)}\n----- message signed -----\n${message}----- end -----\n` +
      `wx.requestPayment(${JSON.stringify(params, null, 2)})\n`,
    { message, appId, ...params },
  );
  return 0;
}

async function certs(c: Context): Promise<number> {
  const api = c.api();
  try {
    await api.certificates!.refresh();
    const list = api.certificates!.list();
    c.print(
      list
        .map((x) => `# serial ${x.serial}\n# valid ${x.notBefore.toISOString()} .. ${x.notAfter.toISOString()}\n${x.pem.trim()}\n`)
        .join('\n'),
      list.map((x) => ({ serial: x.serial, notBefore: x.notBefore, notAfter: x.notAfter, pem: x.pem })),
    );
    return 0;
  } finally {
    api.close();
  }
}

async function call(c: Context, args: string[]): Promise<number> {
  const [methodArg, path, bodyArg, ...extra] = args;
  if (!methodArg || !path || extra.length) throw new UsageError('call takes METHOD PATH [BODY]');
  const method = methodArg.toUpperCase();
  if (method !== 'GET' && method !== 'POST') throw new UsageError('METHOD must be GET or POST');
  if (!path.startsWith('/')) throw new UsageError('PATH must start with "/", e.g. /v3/global/transactions/id/4200...?mchid=...');
  let body: string | undefined;
  if (bodyArg !== undefined) {
    body = readMaybeFile(bodyArg);
    try {
      JSON.parse(body);
    } catch {
      throw new UsageError('BODY must be JSON');
    }
  }
  const [p, q] = path.split('?', 2) as [string, string | undefined];
  const api = c.api();
  try {
    const res = await api.core.call({
      method,
      path: p + (q ? `?${q}` : ''),
      body,
      idempotent: method === 'GET',
      verify: p.endsWith('/v3/global/statements') ? 'statement' : 'signature',
    });
    c.print(`HTTP ${res.status} (signature verified)\nRequest-ID: ${res.requestId ?? '-'}\n\n${res.text}\n`, {
      status: res.status,
      requestId: res.requestId,
      verified: true,
      body: res.text,
    });
    return 0;
  } catch (e) {
    if (!isWechatPayError(e)) throw e;
    c.io.stderr(
      `${e.kind === 'signature' ? 'answer NOT trusted' : 'failed'}: ${e.code}: ${e.message}\n` +
        (e.status !== undefined ? `HTTP ${e.status}\n` : '') +
        (e.requestId ? `Request-ID: ${e.requestId}\n` : '') +
        (e.detail !== undefined ? `detail: ${JSON.stringify(e.detail)}\n` : ''),
    );
    return 1;
  } finally {
    api.close();
  }
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    io.stderr(`wxpay: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    (command || parsed.values.help ? io.stdout : io.stderr)(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const c = new Context(parsed.values as Values, io);
  try {
    if (command !== 'call' && rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
    switch (command) {
      case 'sign':
        return await sign(c);
      case 'verify':
        return await verify(c);
      case 'decrypt':
        return decrypt(c);
      case 'paysign':
        return await paysign(c);
      case 'certs':
        return await certs(c);
      case 'call':
        return await call(c, rest);
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`wxpay ${command}: ${e.message}\n(run "wxpay --help" for usage)\n`);
      return 2;
    }
    if (isWechatPayError(e)) {
      io.stderr(`wxpay ${command}: ${e.code}: ${e.message}${e.requestId ? ` (Request-ID ${e.requestId})` : ''}\n`);
      return 1;
    }
    io.stderr(`wxpay ${command}: ${(e as Error).message}\n`);
    return 1;
  }
}

function defaultIo(): CliIo {
  return { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), env: process.env };
}
