// Latency samples and their percentiles (nearest-rank), plus a rate over the measured wall time.

export class Latency {
  private samples: number[] = [];

  record(ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.samples.push(ms);
  }

  /** Times `fn` and records its duration whether it resolves or throws. */
  async time<T>(fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.record(performance.now() - start);
    }
  }

  get count(): number {
    return this.samples.length;
  }

  percentile(p: number): number {
    return percentile(this.samples, p);
  }

  summary(): { n: number; p50: number; p99: number; max: number } {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return { n: sorted.length, p50: rank(sorted, 50), p99: rank(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : 0 };
  }
}

function rank(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Nearest-rank percentile: the smallest sample with at least p% of samples at or below it. 0 when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (p < 0 || p > 100) throw new Error(`percentile must be within 0..100, got ${p}`);
  return rank(
    [...samples].sort((a, b) => a - b),
    p,
  );
}

export function ratePerSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
