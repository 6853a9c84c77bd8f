import { Option, type Command } from 'commander';
import { createDashboard } from '../../dashboard/dashboard.js';
import { InvalidOptionError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { wholeNumber } from '../options.js';
import { json } from '../output.js';

/** The port `warden dashboard` serves on when `--port` is not given. */
export const defaultDashboardPort = 4100;

/** The environment variable `--token` is read from when the flag is not given. */
export const dashboardTokenVariable = 'WARDEN_DASHBOARD_TOKEN';

interface DashboardFlags {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly readOnly?: boolean;
  readonly basePath: string;
  readonly pollMs: number;
}

/** The address to open: the page under the base path (ending in '/'), with the token if any. */
export function pageUrl(origin: string, basePath: string, token: string | null): string {
  return `${origin}${basePath}/${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
}

/** The flag each of the dashboard's options comes from, for its errors. */
const flagOf: Readonly<Record<string, string>> = {
  host: '--host',
  token: '--token',
  basePath: '--base-path',
};

/** `make()`, its option errors naming the flag that was typed (`--base-path`, not `basePath`). */
function asFlags<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    const flag = error instanceof InvalidOptionError ? flagOf[error.option] : undefined;
    if (flag === undefined || !(error instanceof InvalidOptionError)) throw error;
    throw new InvalidOptionError(flag, error.expected, error.value);
  }
}

/** Adds `dashboard` to `program`. */
export function addDashboard(program: Command, ctx: CliContext): Command {
  return program
    .command('dashboard')
    .description(
      'serve the live dashboard (a web page and its HTTP API) over the database until Ctrl-C; prints its URL',
    )
    .option('--host <host>', 'the address to bind; beyond loopback only with a token', '127.0.0.1')
    .option(
      '--port <port>',
      'the port to bind, 0 for any free one',
      (text: string) => wholeNumber('--port', text, 0, 65_535),
      defaultDashboardPort,
    )
    .addOption(
      new Option(
        '--token <token>',
        'a secret of at least 16 characters every API request must carry',
      ).env(dashboardTokenVariable),
    )
    .option('--read-only', 'refuse every command (replay, cancel, pause): a dashboard to look only')
    .option(
      '--base-path <path>',
      'serve under this path prefix (`/warden`: the page at /warden/)',
      '',
    )
    .option(
      '--poll-ms <ms>',
      'how often the file is looked at for changes, 10 to 60000',
      (text: string) => wholeNumber('--poll-ms', text, 10, 60_000),
      100,
    )
    .action(async (flags: DashboardFlags, command: Command) => {
      const globals = ctx.globals(command);
      // Options are checked before the file: a bad value exits 2 whatever the file.
      const dashboard = asFlags(() =>
        createDashboard({
          database: globals.database,
          host: flags.host,
          port: flags.port,
          ...(flags.token === undefined ? {} : { token: flags.token }),
          readOnly: flags.readOnly === true,
          basePath: flags.basePath,
          pollMs: flags.pollMs,
          clock: ctx.io.clock,
        }),
      );
      // Refused at once as the other subcommands refuse it: missing (8), not Warden's (9)...
      ctx.read(globals, () => undefined);
      let stop = (): void => undefined;
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
      });
      const stopListening = ctx.io.onInterrupt(() => stop());
      try {
        const origin = await dashboard.listen();
        const { basePath, token, readOnly } = dashboard.options;
        const url = pageUrl(origin, basePath, token);
        ctx.out(globals.json ? json({ url, database: globals.database, readOnly }) : `${url}\n`);
        ctx.note(
          `warden dashboard: serving ${globals.database}${readOnly ? ' (read-only)' : ''}; Ctrl-C to stop`,
        );
        await stopped;
      } finally {
        stopListening();
        await dashboard.close();
      }
    });
}
