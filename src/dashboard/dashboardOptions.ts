import type Database from 'better-sqlite3';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DatabaseMissingError, openReadOnly } from '../cli/database.js';
import { realClock, type Clock } from '../clock.js';
import { DatabaseUnavailableError, InvalidOptionError } from '../errors.js';
import { checkClock } from '../facade/wardenOptions.js';
import { checkInteger, checkOptions, checkString, keysOf } from '../options.js';

/** Options of `createDashboard`. */
export interface DashboardOptions {
  /** The Warden database file, owned and written by another process (or none). */
  readonly database: string;
  /** Where `listen()` binds. @default '127.0.0.1' */
  readonly host?: string;
  /** The port `listen()` binds; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Required to bind beyond loopback: every request must carry it (`Authorization: Bearer`, or `?token=`). */
  readonly token?: string;
  /** Refuse every command (replay, cancel, pause): a dashboard to look only. @default false */
  readonly readOnly?: boolean;
  /** How often the file is looked at for another process's commits. @default 100 */
  readonly pollMs?: number;
  /**
   * The path prefix it is mounted under in an existing server (`/warden`, say): the page is then
   * at `/warden/` and its API at `/warden/api/`. @default '' (the root)
   */
  readonly basePath?: string;
  /** @default the wall clock */
  readonly clock?: Clock;
}

/** `DashboardOptions` checked, with every default applied. */
export interface ResolvedDashboardOptions {
  readonly database: string;
  readonly host: string;
  readonly port: number;
  readonly token: string | null;
  readonly readOnly: boolean;
  readonly pollMs: number;
  readonly basePath: string;
  readonly clock: Clock;
}

const loopbackHosts: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

/** True for a host that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return loopbackHosts.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Validates the dashboard's options (unknown keys refused) and fills in their defaults. */
export function resolveDashboardOptions(input: unknown): ResolvedDashboardOptions {
  const given = checkOptions<DashboardOptions>(
    'dashboard options',
    input,
    keysOf<DashboardOptions>({
      database: true,
      host: true,
      port: true,
      token: true,
      readOnly: true,
      pollMs: true,
      basePath: true,
      clock: true,
    }),
  );
  const host = checkString('host', given.host ?? '127.0.0.1', 255);
  const token = given.token === undefined ? null : checkString('token', given.token, 1024);
  if (token !== null && token.length < 16) {
    throw new InvalidOptionError('token', 'a string of at least 16 characters', token);
  }
  if (token === null && !isLoopback(host)) {
    throw new InvalidOptionError(
      'host',
      'a loopback address (127.0.0.1, ::1, localhost) unless a `token` is given',
      host,
    );
  }
  if (given.readOnly !== undefined && typeof given.readOnly !== 'boolean') {
    throw new InvalidOptionError('readOnly', 'true or false', given.readOnly);
  }
  const basePath = given.basePath ?? '';
  if (
    typeof basePath !== 'string' ||
    basePath.length > 1024 ||
    !/^(?:\/[A-Za-z0-9._~-]+)*$/.test(basePath) ||
    /\/\.\.?(?:\/|$)/.test(basePath)
  ) {
    throw new InvalidOptionError(
      'basePath',
      "'' or a path of plain segments, starting with '/' and not ending in it (like '/warden')",
      basePath,
    );
  }
  return {
    database: checkString('database', given.database, 4096),
    host,
    port: checkInteger('port', given.port ?? 0, 0, 65_535),
    token,
    readOnly: given.readOnly ?? false,
    pollMs: checkInteger('pollMs', given.pollMs ?? 100, 10, 60_000),
    basePath,
    clock: given.clock === undefined ? realClock : checkClock(given.clock),
  };
}

/**
 * Opens the dashboard's file read-only (see `openReadOnly`). A missing file is refused naming the
 * `database` option, not the CLI's flag; the next request looks again, so a file that appears
 * later (its owner not started yet) is read then.
 */
export function openDashboardFile(database: string): Database.Database {
  try {
    return openReadOnly(database);
  } catch (error) {
    if (!(error instanceof DatabaseMissingError)) throw error;
    throw new DatabaseUnavailableError(
      `\`${database}\` does not exist: the dashboard's \`database\` option must name the file a Warden writes to`,
      { cause: error },
    );
  }
}

/** Whether a request carries the dashboard's token (always, when it has none). */
export function authorized(request: IncomingMessage, url: URL, token: string | null): boolean {
  if (token === null) return true;
  const header = request.headers.authorization;
  const given = header?.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token');
  if (given === null || given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether a state-changing request comes from the dashboard's own page: it must carry the header
 * `x-warden-request: 1` (a cross-site form or image cannot set it, and the dashboard allows no
 * cross-origin request that could), and an `Origin`, when sent, must be the dashboard's own.
 */
export function sameSite(request: IncomingMessage): boolean {
  if (request.headers['x-warden-request'] !== '1') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
