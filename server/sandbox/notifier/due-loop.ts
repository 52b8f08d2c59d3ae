// Runs `work` when something is due: at the time `work` says comes next, when kicked, and at least every
// `pollMs` (so a restart resumes whatever the database holds). Never two runs at once.
export class DueLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = true;

  constructor(
    private readonly work: () => Promise<number | undefined>,
    private readonly onError: (err: unknown) => void,
    private readonly pollMs = 1000,
  ) {}

  start(): void {
    this.stopped = false;
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs now (or right after the current run). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = true;
    let next: number | undefined;
    this.work()
      .then((n) => (next = n))
      .catch((err) => this.onError(err))
      .finally(() => {
        this.running = false;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          return this.kick();
        }
        const wait = next === undefined ? this.pollMs : Math.min(this.pollMs, Math.max(0, next - Date.now()));
        this.timer = setTimeout(() => this.kick(), wait);
        this.timer.unref();
      });
  }

  /** Resolves once no run is in progress (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await new Promise((r) => setTimeout(r, 5));
  }
}
