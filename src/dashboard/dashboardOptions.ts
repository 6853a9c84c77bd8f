import type Database from 'better-sqlite3';
import { createHash, timingSafeEqual } from 'node:crypto';
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
  /**
   * Without a token, the host names (of the `Host` header) answered besides loopback and `host`:
   * the names your server is reached by when the dashboard is mounted in it. Any other is refused
   * (403 HOST), so a site whose name is made to resolve to 127.0.0.1 cannot read or command it.
   * With a token every host is answered: the token guards it. @default []
   */
  readonly allowedHosts?: readonly string[];
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
  readonly allowedHosts: readonly string[];
  readonly clock: Clock;
}

const loopbackHosts: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

/** True for a host that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return loopbackHosts.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function checkHosts(hosts: unknown): string[] {
  if (!Array.isArray(hosts)) {
    throw new InvalidOptionError('allowedHosts', 'an array of host names', hosts);
  }
  return hosts.map((host: unknown) => {
    if (typeof host !== 'string' || !/^[A-Za-z0-9.-]{1,253}$|^\[[0-9A-Fa-f:.]+\]$/.test(host)) {
      throw new InvalidOptionError('allowedHosts', 'host names without a port', host);
    }
    return host.toLowerCase();
  });
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
      allowedHosts: true,
      clock: true,
    }),
  );
  const host = checkString('host', given.host ?? '127.0.0.1', 255);
  const token = given.token === undefined ? null : checkString('token', given.token, 1024);
  if (token !== null && token.length < 16) {
    // A secret is not echoed, even a bad one: its length says what is wrong.
    throw new InvalidOptionError(
      'token',
      'a string of at least 16 characters',
      `a string of ${token.length}`,
    );
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
    allowedHosts: checkHosts(given.allowedHosts ?? []),
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
  const bearer = header === undefined ? null : /^bearer +(.+)$/i.exec(header)?.[1];
  const inQuery = url.searchParams.getAll('token');
  if (bearer === undefined || inQuery.length > 1) return false; // another scheme; two tokens
  const given = bearer ?? inQuery[0];
  if (given === undefined) return false;
  // Digests of equal length, compared in constant time: neither the token nor its length leaks.
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * Whether the request's `Host` may be answered: any with a token; without one, loopback, the
 * host it listens on, or one of `allowedHosts`.
 */
export function hostAllowed(request: IncomingMessage, options: ResolvedDashboardOptions): boolean {
  if (options.token !== null) return true;
  const host = request.headers.host;
  if (host === undefined) return true; // HTTP/1.0 from this machine's own tools
  const name = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(host)?.[1]?.toLowerCase();
  if (name === undefined) return false;
  const bare = name.startsWith('[') ? name.slice(1, -1) : name;
  return isLoopback(bare) || bare === options.host || options.allowedHosts.includes(name);
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
