// The payment, refund and notification flow in each way WeChat Pay can sign for a merchant, in both merchant modes:
// platform certificates only, the WeChat Pay public key only (`PUB_KEY_ID_...`, no certificate to download), and
// the switch-over, when WeChat Pay signs with either and the sandbox is switched while orders are paid and
// refunded. Real sandbox and backend processes; orders reach PAID and refunds SUCCESS only through verified
// notifications (the backend's polling is pushed 10 minutes away).
import { startStack, type Stack } from '../../support/stack';
import { paidOrder, refundStatus, waitFor } from '../../support/staff-flow';
import { signedRequest } from '../../support/sandbox-process';
import { staffToken } from '../../support/staff';

type SignWith = 'certificate' | 'public_key' | 'both';

describe.each(['direct', 'institution'] as const)('%s merchant', (mode) => {
  let stack: Stack;
  let admin: string;
  let seq = 0;
  const m = () => (mode === 'direct' ? stack.sandbox.config.direct : stack.sandbox.config.institution);

  beforeAll(async () => {
    stack = await startStack({
      mode,
      env: {
        PENDING_QUERY_SCHEDULE_SECONDS: '600',
        ORDER_SYNC_STALE_SECONDS: '600',
        REFUND_RETRY_SCHEDULE_SECONDS: '0.3',
        REFUND_PROCESSING_CHECK_SECONDS: '600',
      },
      sandbox: { settings: { refundSettleDelaySeconds: 0.2 } },
    });
    admin = await staffToken(stack.backendUrl, stack.dbUri, `staff-${mode}`, 'admin');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Restarts the backend verifying with `verifyWith`. */
  async function configureBackend(verifyWith: 'certificates' | 'public_key' | 'both'): Promise<void> {
    delete stack.env.WECHATPAY_PUBLIC_KEY_ID;
    delete stack.env.WECHATPAY_PUBLIC_KEY_PATH;
    delete stack.env.WECHATPAY_VERIFY_WITH;
    if (verifyWith !== 'certificates') {
      Object.assign(stack.env, { WECHATPAY_PUBLIC_KEY_ID: m().publicKeyId, WECHATPAY_PUBLIC_KEY_PATH: m().publicKeyPath });
      if (verifyWith === 'both') stack.env.WECHATPAY_VERIFY_WITH = 'both';
    }
    await stack.restartBackend();
  }

  /** Pays an order and refunds part of it (switching the sandbox to `switchTo` in between); returns the serials
   * that signed the payment's and the refund's notifications. */
  async function payAndRefund(switchTo?: SignWith): Promise<string[]> {
    const order = await paidOrder(stack, `user-${mode}-${seq++}`);
    if (switchTo) await stack.sandbox.admin.signWith(m().mchid, switchTo);
    const r = await stack.api('POST', `/api/admin/orders/${order.id}/refunds`, {
      token: admin,
      body: { amount: 100, requestId: `vm-${mode}-${seq++}` },
    });
    expect(r.status).toBe(201);
    await refundStatus(stack, admin, r.json.id, 'SUCCESS');
    await waitFor(
      async () => (await stack.sandbox.admin.notifications({ out_refund_no: r.json.outRefundNo })).some((n) => n.state === 'delivered'),
      5000,
      'refund notification delivered',
    );
    // The payment's and the refund's notifications (both carry the out_trade_no), oldest first.
    const sent = await stack.sandbox.admin.notifications({ out_trade_no: order.outTradeNo });
    expect(sent.map((n) => n.event_type)).toEqual(['TRANSACTION.SUCCESS', 'REFUND.SUCCESS']);
    // Every notification was accepted on its first attempt: the backend verified whichever key signed it.
    const deliveries = sent
      .flatMap((n) => n.deliveries as { kind: string; ok: boolean; serial: string; attempt: number }[])
      .filter((d) => d.kind === 'delivery');
    expect(deliveries).toHaveLength(2);
    for (const d of deliveries) expect(d).toMatchObject({ ok: true, attempt: 1 });
    return deliveries.map((d) => d.serial);
  }

  const isPublicKeyId = (s: string) => s === m().publicKeyId;
  const ready = async () => (await fetch(`${stack.backendUrl}/readyz`)).status;

  test('platform certificates only', async () => {
    await stack.sandbox.admin.signWith(m().mchid, 'certificate');
    const serials = await payAndRefund();
    expect(serials.every((s) => s === stack.sandbox.config.platformSerial)).toBe(true);
    expect(await ready()).toBe(200);
  });

  test('a backend trusting only certificates cannot follow WeChat Pay to the public key (it refuses the answers)', async () => {
    await stack.sandbox.admin.signWith(m().mchid, 'public_key');
    const token = await stack.loginCustomer(`user-${mode}-strict`);
    const created = await stack.api('POST', '/api/orders', {
      token,
      body: { items: [{ sku: 'milk-tea', quantity: 1 }], clientRequestId: `vm-strict-${mode}` },
    });
    // The prepay answer is signed with a key this backend does not trust: the order cannot be placed.
    expect(created.status).toBeGreaterThanOrEqual(500);
    await stack.sandbox.admin.signWith(m().mchid, 'certificate');
  });

  test('switch-over: a backend trusting both keeps working while WeChat Pay moves from certificates to the public key', async () => {
    await stack.sandbox.admin.signWith(m().mchid, 'certificate');
    await configureBackend('both');
    expect(await ready()).toBe(200);
    // Paid under certificates, refunded during the switch-over; paid during the switch-over, refunded under the
    // public key alone. The two notifications in between come signed with one key each.
    const [paidUnderCertificates, refundedDuring] = await payAndRefund('both');
    const [paidDuring, refundedAfter] = await payAndRefund('public_key');
    expect(paidUnderCertificates).toBe(stack.sandbox.config.platformSerial);
    expect([refundedDuring, paidDuring].sort()).toEqual([m().publicKeyId, stack.sandbox.config.platformSerial].sort());
    expect(refundedAfter).toBe(m().publicKeyId);
    expect(await ready()).toBe(200);
  });

  test('public key only: no platform certificate exists; answers and notifications carry the PUB_KEY_ID', async () => {
    await stack.sandbox.admin.signWith(m().mchid, 'public_key');
    // What WeChat Pay answers a merchant without platform certificates.
    const certs = await signedRequest(stack.sandbox.baseUrl, m(), 'GET', '/v3/global/certificates');
    expect(certs.status).toBe(404);
    expect(certs.json.code).toBe('RESOURCE_NOT_EXISTS');
    // An answer is signed with the public key, whatever the request's Wechatpay-Serial says.
    const q = await signedRequest(
      stack.sandbox.baseUrl,
      m(),
      'GET',
      '/v3/global/settle/settlements?settle_state=UNSETTLE&offset=0&limit=1',
      undefined,
      {
        'Wechatpay-Serial': stack.sandbox.config.platformSerial,
      },
    );
    expect(q.status).toBe(200);
    expect(q.headers.get('wechatpay-serial')).toBe(m().publicKeyId);

    await configureBackend('public_key');
    expect(await ready()).toBe(200);
    const serials = await payAndRefund();
    expect(serials.every(isPublicKeyId)).toBe(true);
    expect(stack.backendLogs()).not.toMatch(/platform certificates not available/);
  });
});
