// Notification delivery against the sandbox running as its own process: the official retry schedule
// (time-scaled), a receiver that fails the first k deliveries, the persisted delivery log, a restart that
// resumes the queue, the notification faults (drop, duplicate, SIGNTEST probe), and a burst that never holds
// more than `notifyConnections` requests open at once.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ATTEMPT_OFFSETS_S } from '../../server/sandbox/notifier/notifier';
import { jsapiBody, startReceiver } from '../support/sandbox-inprocess';
import { requestPaymentParams, signedRequest, startSandboxProcess, type SandboxProcess } from '../support/sandbox-process';

const waitFor = async <T>(fn: () => Promise<T | undefined> | T | undefined, ms = 20000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

async function placeAndPay(sb: SandboxProcess, outTradeNo: string, notifyUrl: string, attach?: string) {
  const m = sb.config.direct;
  const openid = await sb.admin.openid(`u-${outTradeNo}`);
  const res = await signedRequest(
    sb.baseUrl,
    m,
    'POST',
    '/v3/global/transactions/jsapi',
    jsapiBody(m, outTradeNo, openid, { notify_url: notifyUrl, ...(attach ? { attach } : {}) }),
  );
  expect(res.status).toBe(200);
  const paid = await sb.admin.cashierPay({ ...requestPaymentParams(m, m.appid, res.json.prepay_id), openid });
  expect(paid.json.errMsg).toBe('requestPayment:ok');
}

describe('retry schedule (SANDBOX_TIME_SCALE=0.02)', () => {
  const scale = 0.02;
  let sb: SandboxProcess;
  beforeAll(async () => {
    sb = await startSandboxProcess({ timeScale: scale });
  });
  afterAll(async () => {
    await sb?.stop();
  });

  test('a receiver that fails 3 times then succeeds gets exactly 4 deliveries, at the scaled offsets', async () => {
    const receiver = await startReceiver((n) => (n <= 3 ? 500 : 204));
    try {
      await placeAndPay(sb, 'RETRY3', receiver.url);
      const [note] = await waitFor(async () => {
        const list = await sb.admin.notifications({ out_trade_no: 'RETRY3' });
        return list[0]?.state === 'delivered' ? list : undefined;
      });
      await new Promise((r) => setTimeout(r, 1000)); // no fifth delivery comes
      expect(receiver.received).toHaveLength(4);
      const bodies = new Set(receiver.received.map((r) => r.body));
      expect(bodies.size).toBe(1); // the same envelope every time, signed afresh
      const log = note.deliveries.filter((d: { kind: string }) => d.kind === 'delivery');
      expect(log.map((d: { attempt: number }) => d.attempt)).toEqual([1, 2, 3, 4]);
      expect(log.map((d: { status: number }) => d.status)).toEqual([500, 500, 500, 204]);
      // The sandbox's log: each attempt leaves at or after its scaled offset from the first (0, 300, 600,
      // 1200 ms). Busy machines delay timers but never advance them, so only lateness gets slack.
      const slot = (i: number) => ATTEMPT_OFFSETS_S[i]! * 1000 * scale;
      const SLACK = 1500;
      log.forEach((d: { offset_ms: number }, i: number) => {
        expect(d.offset_ms).toBeGreaterThanOrEqual(slot(i));
        expect(d.offset_ms).toBeLessThan(slot(i) + SLACK);
      });
      // The receiver agrees: each delivery arrives at or after its offset from the first attempt's departure.
      const departed = new Date(log[0].sent_at).getTime();
      receiver.received.forEach((r, i) => {
        expect(r.at - departed).toBeGreaterThanOrEqual(slot(i));
        expect(r.at - departed).toBeLessThan(slot(i) + SLACK);
      });
    } finally {
      await receiver.close();
    }
  });

  test('notification faults: drop, duplicate, SIGNTEST probe', async () => {
    const receiver = await startReceiver(() => 200);
    try {
      await placeAndPay(sb, 'DROP1', receiver.url, 'sandbox:notify-drop');
      await placeAndPay(sb, 'DUP1', receiver.url, 'sandbox:notify-duplicate');
      await sb.admin.faults({ arm: [{ fault: 'notify-signtest', out_trade_no: 'PROBE1' }] });
      await placeAndPay(sb, 'PROBE1', receiver.url);
      const dup = await waitFor(async () => {
        const [n] = await sb.admin.notifications({ out_trade_no: 'DUP1' });
        return n?.deliveries.length === 2 ? n : undefined;
      });
      expect(dup.deliveries.map((d: { kind: string }) => d.kind)).toEqual(['delivery', 'duplicate']);
      const probe = await waitFor(async () => {
        const [n] = await sb.admin.notifications({ out_trade_no: 'PROBE1' });
        return n?.state === 'delivered' ? n : undefined;
      });
      expect(probe.deliveries.map((d: { kind: string }) => d.kind)).toEqual(['probe', 'delivery']);
      const [dropped] = await sb.admin.notifications({ out_trade_no: 'DROP1' });
      expect(dropped.state).toBe('dropped');
      const signatures = receiver.received.map((r) => String(r.headers['wechatpay-signature']));
      expect(signatures.filter((s) => s.startsWith('WECHATPAY/SIGNTEST/'))).toHaveLength(1);
      expect(receiver.received).toHaveLength(4); // 2 DUP1 + probe + real PROBE1; nothing for DROP1

      // A stale first delivery: a receiver that checks the 300 s window refuses it, the retry is on time.
      const strict = await startReceiver((n) => (n === 1 ? 401 : 204));
      try {
        await sb.admin.faults({ arm: [{ fault: 'notify-stale-timestamp', out_trade_no: 'STALE1' }] });
        await placeAndPay(sb, 'STALE1', strict.url);
        await waitFor(() => strict.received.length === 2 || undefined);
        const age = (r: { headers: Record<string, unknown>; at: number }) =>
          Math.floor(r.at / 1000) - Number(r.headers['wechatpay-timestamp']);
        expect(age(strict.received[0]!)).toBeGreaterThan(300);
        expect(Math.abs(age(strict.received[1]!))).toBeLessThanOrEqual(5);
      } finally {
        await strict.close();
      }
    } finally {
      await receiver.close();
    }
  });
});

test('the full 16-attempt schedule runs in seconds at SANDBOX_TIME_SCALE=0.0001 and resumes across a restart', async () => {
  const scale = 0.0001; // 24 h 4 min -> 8.7 s
  let sb = await startSandboxProcess({ timeScale: scale });
  const receiver = await startReceiver(() => 503);
  try {
    await placeAndPay(sb, 'FULL1', receiver.url);
    // Stop mid-schedule (after the 10th attempt at 7440 s -> 0.74 s), then start again on the same database.
    await waitFor(() => receiver.received.length >= 10 || undefined);
    await sb.stop({ keepData: true });
    const before = receiver.received.length;
    sb = await sb.restart();
    const [note] = await waitFor(async () => {
      const list = await sb.admin.notifications({ out_trade_no: 'FULL1' });
      return list[0]?.state === 'exhausted' ? list : undefined;
    }, 30000);
    expect(before).toBeLessThan(16);
    expect(receiver.received).toHaveLength(16);
    expect(note.attempts).toBe(16);
    const log = note.deliveries.filter((d: { kind: string }) => d.kind === 'delivery');
    expect(log).toHaveLength(16);
    log.forEach((d: { offset_ms: number; attempt: number }, i: number) => {
      expect(d.attempt).toBe(i + 1);
      expect(d.offset_ms).toBeGreaterThanOrEqual(ATTEMPT_OFFSETS_S[i]! * 1000 * scale);
    });
    // The receiver agrees: the 16th delivery arrives at least 24 h 4 min (scaled) after the first departed.
    const span = receiver.received[15]!.at - new Date(log[0].sent_at).getTime();
    expect(span).toBeGreaterThanOrEqual(ATTEMPT_OFFSETS_S[15]! * 1000 * scale);
    expect(ATTEMPT_OFFSETS_S[15]).toBe(24 * 3600 + 4 * 60);
  } finally {
    await receiver.close();
    await sb.stop();
  }
}, 90000);

test('a burst of payments holds at most notifyConnections requests open; every first delivery succeeds', async () => {
  const sb = await startSandboxProcess({ settings: { notifyConnections: 3 } });
  // A slow receiver (each answer 150 ms later) that records how many requests it holds at once, and refuses
  // what a per-address connection limit of 4 would refuse.
  let open = 0;
  let most = 0;
  let refused = 0;
  const server: Server = createServer((req, res) => {
    if (open >= 4) {
      refused++;
      req.socket.destroy();
      return;
    }
    open++;
    most = Math.max(most, open);
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        open--;
        res.statusCode = 204;
        res.end();
      }, 150),
    );
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  try {
    const n = 12;
    await Promise.all(Array.from({ length: n }, (_, i) => placeAndPay(sb, `BURST${i}`, url)));
    const notes = await waitFor(async () => {
      const list = await Promise.all(Array.from({ length: n }, (_, i) => sb.admin.notifications({ out_trade_no: `BURST${i}` })));
      return list.every((l) => l[0]?.state === 'delivered') ? list.map((l) => l[0]) : undefined;
    });
    expect(refused).toBe(0);
    expect(most).toBe(3);
    for (const note of notes) expect(note.attempts).toBe(1);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await sb.stop();
  }
}, 60000);

test('a first attempt is written with the notification: one insert, after the answer, carrying the delivery', async () => {
  const sb = await startSandboxProcess();
  const receiver = await startReceiver(() => 204, 600); // answers each notification 600 ms after it arrives
  try {
    await placeAndPay(sb, 'ONEWRITE1', receiver.url);
    // While the first attempt waits for its answer, nothing is written: no record without its first delivery.
    expect(await sb.admin.notifications({ out_trade_no: 'ONEWRITE1' })).toEqual([]);
    const [note] = await waitFor(async () => {
      const list = await sb.admin.notifications({ out_trade_no: 'ONEWRITE1' });
      return list.length ? list : undefined;
    });
    expect(receiver.received).toHaveLength(1);
    expect(note).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(note!.deliveries).toEqual([expect.objectContaining({ kind: 'delivery', attempt: 1, ok: true, status: 204 })]);
  } finally {
    await receiver.close();
    await sb.stop();
  }
}, 60000);
