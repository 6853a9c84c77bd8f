import type { CliIo } from './output.js';

/** How often the progress line is redrawn at most. */
const redrawMs = 100;

/**
 * A one-line progress display on stderr for long work (bulk replays, big listings): drawn only
 * when stderr is a terminal and the output is not `--json`, so pipes and machines never see it.
 */
export class Progress {
  private readonly shown: boolean;
  private drawnAt = -Infinity;
  private drawn = false;

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private total: number | undefined,
    quiet: boolean,
  ) {
    this.shown = io.stderrIsTTY && !quiet;
  }

  /** Reports `done` units so far (of `total`, when it has changed); redraws at most every 100 ms. */
  update(done: number, total?: number): void {
    if (total !== undefined) this.total = total;
    if (!this.shown) return;
    const now = this.io.clock.now();
    if (now - this.drawnAt < redrawMs) return;
    this.drawnAt = now;
    this.drawn = true;
    this.io.stderr(`\r\x1b[2K${this.line(done)}`);
  }

  /** Clears the line, leaving the terminal as it was. */
  finish(): void {
    if (this.drawn) this.io.stderr('\r\x1b[2K');
    this.drawn = false;
  }

  private line(done: number): string {
    if (this.total === undefined || this.total === 0) return `${this.label}: ${done}`;
    const ratio = Math.min(1, done / this.total);
    const width = 20;
    const filled = Math.round(ratio * width);
    return `${this.label}: [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} (${Math.floor(ratio * 100)}%)`;
  }
}
