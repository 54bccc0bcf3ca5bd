import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr for work that takes more than a second; silent when stderr
 * is not a terminal or output is machine-readable, so logs and pipes stay clean.
 */
export class ProgressBar {
  private bar: cliProgress.SingleBar | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly label: string,
    private readonly enabled: boolean = process.stderr.isTTY === true,
  ) {}

  update(fraction: number): void {
    if (!this.enabled) return;
    if (this.bar === undefined) {
      if (Date.now() - this.startedAt < 1000 && fraction < 1) return;
      this.bar = new cliProgress.SingleBar(
        { format: `${this.label} [{bar}] {percentage}% | {duration_formatted}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(100, 0);
    }
    this.bar.update(Math.round(fraction * 100));
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

/**
 * A running count on stderr (entities, rows) for work whose total is not known up
 * front; like ProgressBar, it appears only after a second, and only on a terminal.
 */
export class ProgressCounter {
  private bar: cliProgress.SingleBar | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly label: string,
    private readonly unit: string,
    private readonly enabled: boolean = process.stderr.isTTY === true,
  ) {}

  update(count: number): void {
    if (!this.enabled) return;
    if (this.bar === undefined) {
      if (Date.now() - this.startedAt < 1000) return;
      this.bar = new cliProgress.SingleBar({ format: `${this.label} {value} ${this.unit} | {duration_formatted}`, stream: process.stderr, hideCursor: true });
      this.bar.start(Number.MAX_SAFE_INTEGER, 0);
    }
    this.bar.update(count);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
