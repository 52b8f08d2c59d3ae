import { issueCertificate } from '../../../server/sandbox/keys/certificates';
import { NotificationParser, StaticKeyResolver, WechatPayClient, parseWechatTime } from '../../../server/src/wechatpay';
import { encryptAesGcm, randomNonce } from '../../../server/src/wechatpay/crypto';
import { API_V3_KEY, signReply } from './support/fake-wechatpay';

const platform = issueCertificate({ commonName: 'platform' });
const resolver = new StaticKeyResolver([{ id: platform.serial, key: platform.certificatePem }]);
const parser = new NotificationParser({ apiV3Key: API_V3_KEY, resolver });

function envelope(eventType: string, resource: object, opts: { aad?: string; algorithm?: string; key?: string } = {}) {
  const nonce = randomNonce(12);
  const aad = opts.aad ?? (eventType.startsWith('REFUND') ? 'refund' : 'transaction');
  return JSON.stringify({
    id: 'EV-2018022511223320873',
    create_time: '20180225112233',
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: 'ok',
    resource: {
      original_type: aad,
      algorithm: opts.algorithm ?? 'AEAD_AES_256_GCM',
      ciphertext: encryptAesGcm(opts.key ?? API_V3_KEY, nonce, aad, JSON.stringify(resource)),
      associated_data: aad,
      nonce,
    },
  });
}

const payment = {
  id: '1008450740201411110005820873',
  sp_mchid: '10000100',
  sub_mchid: '20000100',
  out_trade_no: '20150806125346',
  payer: { sp_openid: 'oUpF8uN95-Ptaags6E_roPHg7AG0' },
  amount: {
    total: 528800,
    currency: 'HKD',
    payer_total: 518799,
    payer_currency: 'CNY',
    exchange_rate: { type: 'SETTLEMENT_RATE', rate: 8000000 },
  },
  trade_type: 'MICROPAY',
  trade_state: 'SUCCESS',
  success_time: '2018-06-08T10:34:56+08:00',
};
const refund = {
  sp_mchid: '1900000100',
  sub_mchid: '1900000109',
  transaction_id: '1008450740201411110005820873',
  out_trade_no: '20150806125346',
  refund_id: '50200207182018070300011301001',
  out_refund_no: '7752501201407033233368018',
  refund_status: 'SUCCESS',
  amount: { total: 528800, currency: 'HKD', refund: 528800 },
};

function headers(body: string, extra: Record<string, string> = {}, offsetSec = 0) {
  return { ...signReply(platform, body, offsetSec), 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048', ...extra };
}

describe('notification parser', () => {
  it('verifies and decrypts TRANSACTION.SUCCESS (raw body as Buffer, lower-case headers)', async () => {
    const body = envelope('TRANSACTION.SUCCESS', payment);
    const lower = Object.fromEntries(Object.entries(headers(body)).map(([k, v]) => [k.toLowerCase(), v]));
    const r = await parser.parse(lower, Buffer.from(body));
    expect(r.ok).toBe(true);
    if (!r.ok || r.event.event_type !== 'TRANSACTION.SUCCESS') throw new Error('unexpected');
    expect(r.event.resource.id).toBe(payment.id);
    expect(r.event.resource.transaction_id).toBe(payment.id);
    expect(r.event.resource.amount).toEqual(payment.amount);
    expect(r.event.id).toBe('EV-2018022511223320873');
    expect(r.event.created_at?.toISOString()).toBe('2018-02-25T03:22:33.000Z');
    expect(r.event.serial).toBe(platform.serial);
  });

  it('reads transaction_id when a source uses it instead of id', async () => {
    const { id, ...rest } = payment;
    const body = envelope('TRANSACTION.SUCCESS', { ...rest, transaction_id: id });
    const r = await parser.parse(headers(body), body);
    expect(r.ok && r.event.resource.id).toBe(id);
  });

  it.each([
    ['REFUND.SUCCESS', 'SUCCESS', 'SUCCESS'],
    ['REFUND.CLOSED', 'CLOSED', 'CLOSED'],
    ['REFUND.CLOSED', 'REFUNDCLOSE', 'CLOSED'],
    ['REFUND.ABNORMAL', 'ABNORMAL', 'ABNORMAL'],
  ])('decrypts %s with refund_status %s', async (type, status, normalized) => {
    const body = envelope(type, { ...refund, refund_status: status });
    const r = await parser.parse(headers(body), body);
    if (!r.ok || r.event.event_type !== type) throw new Error(`unexpected ${JSON.stringify(r)}`);
    const res = r.event.resource as { refund_id: string; id: string; normalized_status: string };
    expect(res.refund_id).toBe(refund.refund_id);
    expect(res.id).toBe(refund.refund_id);
    expect(res.normalized_status).toBe(normalized);
  });

  const body = envelope('TRANSACTION.SUCCESS', payment);
  it.each([
    [
      'a SIGNTEST probe',
      () => [{ ...headers(body), 'Wechatpay-Signature': 'WECHATPAY/SIGNTEST/' + 'Q'.repeat(300) }, body],
      'signtest_probe',
    ],
    ['a stale timestamp', () => [headers(body, {}, -301), body], 'stale_timestamp'],
    ['a future timestamp', () => [headers(body, {}, 301), body], 'future_timestamp'],
    ['an unknown serial', () => [headers(body, { 'Wechatpay-Serial': 'ABCDEF' }), body], 'unknown_serial'],
    [
      'a wrong signature type',
      () => [headers(body, { 'Wechatpay-Signature-Type': 'WECHATPAY2-SM2-WITH-SM3' }), body],
      'unsupported_algorithm',
    ],
    ['missing headers', () => [{ 'Wechatpay-Nonce': 'x' }, body], 'missing_headers'],
    ['a re-serialised body', () => [headers(body), JSON.stringify(JSON.parse(body), null, 1)], 'bad_signature'],
    ['a parsed body', () => [headers(body), JSON.parse(body)], 'malformed_body'],
    [
      'a wrong resource algorithm',
      () => {
        const b = envelope('TRANSACTION.SUCCESS', payment, { algorithm: 'AEAD_AES_128_GCM' });
        return [headers(b), b];
      },
      'unsupported_algorithm',
    ],
    [
      'a wrong APIv3 key',
      () => {
        const b = envelope('TRANSACTION.SUCCESS', payment, { key: 'x'.repeat(32) });
        return [headers(b), b];
      },
      'decrypt_failed',
    ],
    ['a non-JSON body', () => [headers('nope'), 'nope'], 'malformed_body'],
  ])('rejects %s', async (_name, make, reason) => {
    const [h, b] = make() as [Record<string, string>, string];
    const r = await parser.parse(h, b);
    expect(r).toMatchObject({ ok: false, reason });
  });

  it('rejects tampered associated data and a tampered ciphertext', async () => {
    const env = JSON.parse(body);
    env.resource.associated_data = 'refund';
    const b1 = JSON.stringify(env);
    expect(await parser.parse(headers(b1), b1)).toMatchObject({ ok: false, reason: 'decrypt_failed' });
    const env2 = JSON.parse(body);
    const ct = Buffer.from(env2.resource.ciphertext, 'base64');
    ct[0] = ct[0]! ^ 1;
    env2.resource.ciphertext = ct.toString('base64');
    const b2 = JSON.stringify(env2);
    expect(await parser.parse(headers(b2), b2)).toMatchObject({ ok: false, reason: 'decrypt_failed' });
  });

  it('throws (our failure, answer 5xx) when the key lookup itself fails', async () => {
    const failing = new NotificationParser({
      apiV3Key: API_V3_KEY,
      resolver: { resolve: () => Promise.reject(new Error('download failed')) },
    });
    await expect(failing.parse(headers(body), body)).rejects.toThrow('download failed');
  });

  it('works through a client with pinned platform certificates', async () => {
    const merchant = issueCertificate({ commonName: 'merchant' });
    const c = new WechatPayClient({
      mode: 'institution',
      spMchid: '1',
      spAppid: 'wxsp',
      subMchid: '2',
      subAppid: 'wxsub',
      merchantSerial: merchant.serial,
      privateKey: merchant.privateKeyPem,
      apiV3Key: API_V3_KEY,
      platformCertificates: [platform.certificatePem],
      downloadCertificates: false,
    });
    const r = await c.parseNotification(headers(body), body);
    expect(r.ok).toBe(true);
    c.close();
  });

  it('parses both create_time spellings', () => {
    expect(parseWechatTime('20180225112233')?.toISOString()).toBe('2018-02-25T03:22:33.000Z');
    expect(parseWechatTime('2018-06-08T10:34:56+08:00')?.toISOString()).toBe('2018-06-08T02:34:56.000Z');
    expect(parseWechatTime('garbage')).toBeUndefined();
  });
});
