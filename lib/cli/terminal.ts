/**
 * One line of stderr redrawn in place (the capture's status line, the read's
 * progress bar), only when stderr is a terminal: a pipe or a file gets
 * nothing, so logs and scripts see no control characters.
 */
export class StatusLine {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly render: () => string,
    private readonly intervalMs = 200,
  ) {}

  static forStderr(render: () => string, intervalMs?: number): StatusLine | undefined {
    return process.stderr.isTTY ? new StatusLine(process.stderr, render, intervalMs) : undefined;
  }

  start(): this {
    this.draw();
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  draw(): void {
    const width = this.stream.columns || 80;
    // Carriage return and erase-line: the same row is rewritten, never scrolled.
    this.stream.write(`\r\x1b[2K${this.render().slice(0, width - 1)}`);
    this.shown = true;
  }

  /** Erases the line (before other output goes to the same terminal). */
  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }

  stop(keep = false): void {
    clearInterval(this.timer);
    if (keep) {
      this.draw();
      this.stream.write('\n');
      this.shown = false;
    } else {
      this.clear();
    }
  }
}

/** `[#######.......]  48%` */
export function bar(fraction: number, width = 30): string {
  const f = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

/** 1234567 -> "1.2 MB"; bytes in SI units, as a rate display wants. */
export function bytesText(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
