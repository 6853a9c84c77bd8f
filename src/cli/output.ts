import type { Clock } from '../clock.js';

/** Where the CLI writes, and what it knows of its terminal: injected so tests run it in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal: a progress display is drawn only then. */
  readonly stderrIsTTY: boolean;
  readonly clock: Clock;
  /** Keeps the process alive while work waits on unref'd timers (the demo); returns the release. */
  readonly hold: () => () => void;
  /** Calls `onSignal` on Ctrl-C (SIGINT) or SIGTERM; returns the function that stops listening. */
  readonly onInterrupt: (onSignal: () => void) => () => void;
}

/** A column of a table: its header, and whether its cells line up on the right (numbers). */
export interface Column {
  readonly header: string;
  readonly right?: boolean;
}

/** Text that fits in one cell: one line, at most `max` characters (an ellipsis marks a cut). */
export function cell(value: string | number | null | undefined, max = 60): string {
  const text = value === null || value === undefined ? '' : String(value);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** An aligned table with a header row, columns two spaces apart, no trailing spaces. */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    columns
      .map((column, i) => {
        const text = cells[i] ?? '';
        const width = widths[i] ?? 0;
        return column.right === true ? text.padStart(width) : text.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((column) => column.header)), ...rows.map(line)].join('\n')}\n`;
}

/** A time as UTC `YYYY-MM-DD HH:MM:SS`, or an empty cell for none. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** A duration for people: `850 ms`, `12.3 s`, `4 min`, `2.5 h`, `3 d`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (abs < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (abs < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

/** Machine-readable output: one JSON document, indented, ending with a newline. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `key: value` lines, the keys padded to one width. */
export function fields(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width + 2)}${value}`).join('\n') + '\n';
}
