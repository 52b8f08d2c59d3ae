import { Admission } from '../../../server/src/http/middleware/admission';

const tick = () => new Promise((r) => setImmediate(r));

test('admits up to the limit, queues the next ones in order, and sheds beyond the queue', async () => {
  const a = new Admission({ maxInFlight: 2, maxQueue: 2, maxWaitMs: 10_000 });
  const r1 = await a.enter();
  const r2 = await a.enter();
  const order: number[] = [];
  const q3 = a.enter().then((r) => (order.push(3), r));
  const q4 = a.enter().then((r) => (order.push(4), r));
  expect(await a.enter()).toBeUndefined(); // queue full: shed at once
  expect(a.stats()).toEqual({ inFlight: 2, queued: 2, admitted: 2, shed: 1 });
  r1!();
  const r3 = await q3;
  expect(r3).toBeInstanceOf(Function);
  expect(a.stats()).toMatchObject({ inFlight: 2, queued: 1 });
  r2!();
  r2!(); // a second release of the same slot changes nothing
  const r4 = await q4;
  expect(order).toEqual([3, 4]);
  expect(a.stats()).toEqual({ inFlight: 2, queued: 0, admitted: 4, shed: 1 });
  r3!();
  r4!();
  expect(a.stats().inFlight).toBe(0);
});

test('a waiter that waits longer than maxWaitMs is shed and leaves the queue', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate'] });
  try {
    const a = new Admission({ maxInFlight: 1, maxQueue: 5, maxWaitMs: 500 });
    const r1 = await a.enter();
    const waiting = a.enter();
    jest.advanceTimersByTime(499);
    await tick();
    expect(a.stats().queued).toBe(1);
    jest.advanceTimersByTime(1);
    expect(await waiting).toBeUndefined();
    expect(a.stats()).toMatchObject({ queued: 0, shed: 1, inFlight: 1 });
    r1!();
    // The slot is free again and nobody is queued: the next request is admitted at once.
    const r2 = await a.enter();
    expect(r2).toBeInstanceOf(Function);
  } finally {
    jest.useRealTimers();
  }
});

test('a newcomer does not overtake queued requests when a slot frees', async () => {
  const a = new Admission({ maxInFlight: 1, maxQueue: 5, maxWaitMs: 10_000 });
  const r1 = await a.enter();
  const queued = a.enter();
  r1!();
  // The freed slot went to the queued request, so a newcomer must wait.
  let newcomerIn = false;
  const newcomer = a.enter().then((r) => ((newcomerIn = true), r));
  const r2 = await queued;
  await tick();
  expect(newcomerIn).toBe(false);
  r2!();
  (await newcomer)!();
  expect(a.stats()).toEqual({ inFlight: 0, queued: 0, admitted: 3, shed: 0 });
});
