import { formatDuration } from './formatDuration';

/** One line of a {@link ProgressBoard}. */
interface Bar {
  label: string;
  done: number;
  total: number;
  detail: string;
  /** When this bar's current phase started and at which count (for the rate and ETA). */
  startedAt: number;
  startDone: number;
  finished: boolean;
  lastLoggedDecile: number;
}

/** Where a board writes: a TTY stream gets redrawn bars, anything else gets log lines. */
export interface BoardStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Progress bars with rate and ETA for several tasks at once (dataset build, each variant's
 * training and evaluation). On a terminal the bars are redrawn in place (at most 5 times a
 * second); otherwise a line is printed each time a task passes another 10%.
 */
export class ProgressBoard {
  private readonly bars = new Map<string, Bar>();
  private linesDrawn = 0;
  private lastDraw = 0;
  private readonly now: () => number;

  constructor(
    private readonly stream: BoardStream = process.stderr,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Set task `key` to `done` of `total` with an optional `detail` (e.g. the loss). A new `label`
   * or a `done` lower than before starts a new phase (its rate and ETA start afresh).
   */
  update(key: string, label: string, done: number, total: number, detail = ''): void {
    const t = this.now();
    let bar = this.bars.get(key);
    if (!bar || bar.label !== label || done < bar.done) {
      bar = {
        label,
        done,
        total,
        detail,
        startedAt: t,
        startDone: done,
        finished: false,
        lastLoggedDecile: -1,
      };
      this.bars.set(key, bar);
    }
    bar.done = done;
    bar.total = total;
    bar.detail = detail;
    bar.finished = done >= total;
    if (this.stream.isTTY) {
      if (t - this.lastDraw > 200 || bar.finished) this.draw();
    } else {
      const decile = total > 0 ? Math.floor((10 * done) / total) : 10;
      if (decile > bar.lastLoggedDecile) {
        bar.lastLoggedDecile = decile;
        this.stream.write(`${this.line(bar, 20)}\n`);
      }
    }
  }

  /** Remove a task's bar (e.g. when it is done and its result printed). */
  remove(key: string): void {
    this.bars.delete(key);
    if (this.stream.isTTY) this.draw();
  }

  /** Print `text` above the bars without breaking them. */
  log(text: string): void {
    if (this.stream.isTTY) {
      this.clear();
      this.stream.write(`${text}\n`);
      this.draw();
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Seconds left for task `key` at its current rate (Infinity before any progress). */
  eta(key: string): number {
    const bar = this.bars.get(key);
    if (!bar) return Number.POSITIVE_INFINITY;
    const elapsed = (this.now() - bar.startedAt) / 1000;
    const progressed = bar.done - bar.startDone;
    if (progressed <= 0 || elapsed <= 0) return Number.POSITIVE_INFINITY;
    return ((bar.total - bar.done) * elapsed) / progressed;
  }

  /** Stop drawing: leave the last state of the bars on screen. */
  close(): void {
    if (this.stream.isTTY) this.draw();
    this.linesDrawn = 0;
  }

  /** One bar as text: `label [#####-----]  42/100  0:12 left  detail`. */
  line(bar: Bar, width: number): string {
    const frac = bar.total > 0 ? Math.min(1, bar.done / bar.total) : 1;
    const filled = Math.round(frac * width);
    const key = [...this.bars.entries()].find(([, b]) => b === bar)?.[0] ?? '';
    const eta = bar.finished ? 'done' : `${formatDuration(this.eta(key))} left`;
    const count = `${bar.done}/${bar.total}`;
    return `${bar.label.padEnd(24).slice(0, 24)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${count.padStart(7)} ${eta.padStart(10)}${bar.detail ? `  ${bar.detail}` : ''}`;
  }

  private clear(): void {
    if (this.linesDrawn > 0) this.stream.write(`\x1b[${this.linesDrawn}A\x1b[0J`);
    this.linesDrawn = 0;
  }

  private draw(): void {
    this.clear();
    const cols = this.stream.columns ?? 100;
    const width = Math.max(6, Math.min(30, cols - 70));
    const lines = [...this.bars.values()].map((b) => this.line(b, width).slice(0, cols - 1));
    if (lines.length > 0) this.stream.write(`${lines.join('\n')}\n`);
    this.linesDrawn = lines.length;
    this.lastDraw = this.now();
  }
}
