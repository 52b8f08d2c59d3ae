// Time in the sandbox: WeChat Pay speaks GMT+8, and every sandbox duration is multiplied by the time scale
// (SANDBOX_TIME_SCALE=0.001 runs the 24 h notification schedule in about 87 s). The 300 s signature window
// is never scaled: it protects the protocol, not the simulation.

const GMT8_MS = 8 * 3600_000;

export interface Clock {
  now(): number;
  /** Real milliseconds for a duration given in simulated milliseconds. */
  scale(simulatedMs: number): number;
  /** Simulated milliseconds elapsed since `realStart` (plus any backdating recorded on the object). */
  elapsed(realStart: Date | number, backdatedMs?: number): number;
  timeScale: number;
}

export function createClock(timeScale: number, now: () => number = Date.now): Clock {
  return {
    now,
    timeScale,
    scale: (ms) => ms * timeScale,
    elapsed: (start, backdated = 0) => (now() - new Date(start).getTime()) / timeScale + backdated,
  };
}

function gmt8Parts(d: Date | number) {
  const t = new Date(new Date(d).getTime() + GMT8_MS);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return {
    date: `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}`,
    y: String(t.getUTCFullYear()),
    mo: p(t.getUTCMonth() + 1),
    d: p(t.getUTCDate()),
    h: p(t.getUTCHours()),
    mi: p(t.getUTCMinutes()),
    s: p(t.getUTCSeconds()),
  };
}

/** `2018-06-08T10:34:56+08:00`, as WeChat Pay writes times. */
export function rfc3339(d: Date | number): string {
  const p = gmt8Parts(d);
  return `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi}:${p.s}+08:00`;
}

/** `20180225112233`, the form the seed's payment notification uses for create_time. */
export function compactTime(d: Date | number): string {
  const p = gmt8Parts(d);
  return `${p.y}${p.mo}${p.d}${p.h}${p.mi}${p.s}`;
}

/** `2018-06-08 10:34:56` (statement rows). */
export function statementTime(d: Date | number): string {
  const p = gmt8Parts(d);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s}`;
}

/** The GMT+8 calendar day, `yyyyMMdd`. */
export function gmt8Date(d: Date | number): string {
  return gmt8Parts(d).date;
}

/** [start, end) in real time of the GMT+8 day `yyyyMMdd`. */
export function gmt8DayRange(yyyymmdd: string): { start: Date; end: Date } {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  const start = Date.UTC(y, m - 1, d) - GMT8_MS;
  return { start: new Date(start), end: new Date(start + 86400_000) };
}

/** True when `yyyymmdd` is a real calendar date. */
export function isCalendarDate(yyyymmdd: string): boolean {
  if (!/^\d{8}$/.test(yyyymmdd)) return false;
  const { start } = gmt8DayRange(yyyymmdd);
  return gmt8Date(start) === yyyymmdd;
}

export function addDays(yyyymmdd: string, days: number): string {
  return gmt8Date(gmt8DayRange(yyyymmdd).start.getTime() + days * 86400_000);
}

/** Parses RFC 3339 (with offset); undefined when malformed. */
export function parseRfc3339(s: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/.test(s)) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
