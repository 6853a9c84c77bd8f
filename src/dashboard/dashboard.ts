import type Database from 'better-sqlite3';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { issueCommand } from '../commands/issueCommand.js';
import { replayAllDead, type DeadFilter } from '../commands/replayAllDead.js';
import { coerceError, serializeError } from '../errors.js';
import { Assets } from './assets.js';
import { breakerDetail, breakerList } from './breakerReads.js';
import { chartList, machineChart } from './chartCounts.js';
import { coalesce } from './coalesce.js';
import { bulkRequest, DashboardReads, statusOf } from './dashboardApi.js';
import {
  authorized,
  openDashboardFile,
  resolveDashboardOptions,
  sameSite,
  hostAllowed,
  type DashboardOptions,
  type ResolvedDashboardOptions,
} from './dashboardOptions.js';
import { fileChanges } from './fileChanges.js';
import { checkQuery, fileIdentity, readBody, segment } from './requests.js';
import { MonitorSampler, monitorReport } from './monitor.js';
import { jobTimeline } from './jobTimeline.js';

/** Live updates go out at most once per this many ms: 10 a second. */
export const updateWindowMs = 100;

/** A dashboard over one Warden file: its page, its HTTP API and live updates. */
export interface Dashboard {
  readonly options: ResolvedDashboardOptions;
  /**
   * Answers one request: mount it in an existing `node:http` server. Under a path prefix, give
   * that prefix as `basePath` and pass it every request whose path starts with it.
   */
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Serves it on `options.host`:`options.port`; resolves with its URL. */
  listen(): Promise<string>;
  /** Ends the live streams, stops serving and closes the file. */
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(text);
}

/** A refusal of the dashboard's own (not a Warden error): its status, code and message. */
function refuse(response: ServerResponse, status: number, code: string, message: string): void {
  send(response, status, { error: { name: 'DashboardRefusal', message, code } });
}

function fail(response: ServerResponse, error: unknown): void {
  const status = statusOf(error);
  const { name, message, code } = serializeError(coerceError(error));
  send(response, status, { error: { name, message, code: code ?? null } });
}

/** Creates a dashboard over `options.database`; nothing is opened until the first request. */
export function createDashboard(options: DashboardOptions): Dashboard {
  const resolved = resolveDashboardOptions(options);
  const { clock } = resolved;
  let db: Database.Database | undefined;
  let reads: DashboardReads | undefined;
  let server: Server | undefined;
  /** Each open event stream, and what ends its subscription. */
  const streams = new Map<ServerResponse, () => void>();
  let closed = false;
  const assets = new Assets();
  // Samples the finished total and pool utilisation on the clock, from the first request on.
  const sampler = new MonitorSampler(clock, () => db);
  sampler.start();

  /** Ends every event stream: its subscription, then its response. */
  const endStreams = (): void => {
    for (const [response, end] of [...streams]) {
      end();
      response.end();
    }
  };

  let identity = '';
  const open = (): { db: Database.Database; reads: DashboardReads } => {
    // A file deleted and made again (a restore, a test's reset) is read afresh, not the old one.
    if (db !== undefined && fileIdentity(resolved.database) !== identity) {
      endStreams(); // their pages reconnect, to the new file
      db.close();
      db = undefined;
    }
    if (db === undefined || reads === undefined) {
      identity = fileIdentity(resolved.database);
      db = openDashboardFile(resolved.database);
      reads = new DashboardReads(db, clock);
      sampler.sample(); // the monitor's first sample, as soon as there is a file to read
    }
    return { db, reads };
  };

  const events = (request: IncomingMessage, response: ServerResponse): void => {
    const { db: connection } = open();
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    response.write('retry: 1000\n\n');
    const subscription = fileChanges(connection, clock, resolved.pollMs)
      .pipe(coalesce(clock, updateWindowMs))
      .subscribe({
        next: (batch) => {
          const last = batch.values[batch.values.length - 1];
          response.write(
            `event: change\ndata: ${JSON.stringify({ at: batch.at, dataVersion: last?.dataVersion ?? null, looks: batch.values.length })}\n\n`,
          );
        },
        error: () => response.end(),
      });
    const end = (): void => {
      subscription.unsubscribe();
      streams.delete(response);
    };
    streams.set(response, end);
    request.on('close', end);
  };

  /**
   * The API's GETs: a path pattern and its answer (from the match and the query). Each feature
   * adds its own line; reads go through the read-only connection only.
   */
  const gets: readonly (readonly [
    RegExp,
    (match: RegExpExecArray, query: URLSearchParams) => unknown,
  ])[] = [
    [
      /^\/api\/overview$/,
      (_, query) => (
        checkQuery(query),
        { ...open().reads.overview(), readOnly: resolved.readOnly }
      ),
    ],
    [/^\/api\/jobs$/, (_, query) => open().reads.jobsPage(query)],
    [
      /^\/api\/jobs\/([^/]+)\/timeline$/,
      (match, query) => jobTimeline(open().db, match[1] ?? '', query),
    ],
    [
      /^\/api\/jobs\/([^/]+)$/,
      (match, query) => (
        checkQuery(query),
        open().reads.job(segment('id', match[1] ?? '', 'a job id'))
      ),
    ],
    [/^\/api\/types$/, (_, query) => (checkQuery(query), open().reads.types())],
    [/^\/api\/errors$/, (_, query) => open().reads.errors(query)],
    [
      /^\/api\/(tree|pools|breakers)$/,
      (match, query) => (checkQuery(query), open().reads.snapshot(match[1] as 'tree')),
    ],
    [
      /^\/api\/breakers\/([^/]+)$/,
      (match, query) => breakerDetail(open().db, match[1] ?? '', query),
    ],
    [/^\/api\/breaker-states$/, (_, query) => breakerList(open().db, query)],
    [
      /^\/api\/monitor$/,
      (_, query) => monitorReport(open().db, sampler.samples(), clock.now(), query),
    ],
    [/^\/api\/charts$/, (_, query) => chartList(open().db, query)],
    [/^\/api\/charts\/([^/]+)$/, (match, query) => machineChart(open().db, match[1] ?? '', query)],
  ];

  /** The answer to a GET of `path`, or undefined when nothing is there. */
  const read = (path: string, query: URLSearchParams): unknown => {
    for (const [pattern, answer] of gets) {
      const match = pattern.exec(path);
      if (match !== null) return answer(match, query);
    }
    return undefined;
  };

  /**
   * The API's POSTs, each a state change through the commands path (never a write of its own):
   * a path and what its JSON body does.
   */
  const posts: ReadonlyMap<string, (body: unknown) => Promise<unknown>> = new Map([
    ['/api/commands', (body: unknown) => issueCommand(resolved.database, body as never)],
    ['/api/bulk', (body: unknown) => bulkRequest(resolved.database, body)],
    [
      '/api/dead/replay',
      (body: unknown): Promise<unknown> => replayAllDead(resolved.database, body as DeadFilter),
    ],
  ]);

  const command = async (
    request: IncomingMessage,
    response: ServerResponse,
    carryOut: (body: unknown) => Promise<unknown>,
  ): Promise<void> => {
    if (resolved.readOnly) {
      refuse(response, 403, 'READ_ONLY', 'this dashboard is read-only');
      return;
    }
    if (!sameSite(request)) {
      refuse(response, 403, 'CROSS_SITE', 'a command must come from the dashboard itself');
      return;
    }
    const body = await readBody(request);
    send(response, 200, await carryOut(body));
  };

  const page = (path: string, request: IncomingMessage, response: ServerResponse): boolean => {
    const asset = assets.get(path);
    if (asset === undefined) return false;
    const fresh = request.headers['if-none-match'] === asset.etag;
    response.writeHead(fresh ? 304 : 200, {
      'content-type': asset.type,
      'cache-control': asset.cacheControl,
      etag: asset.etag,
      'x-content-type-options': 'nosniff',
      // Graphviz runs in the page as WebAssembly: 'wasm-unsafe-eval', and nothing else of eval.
      'content-security-policy':
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
    });
    response.end(fresh ? undefined : asset.body);
    return true;
  };

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (closed) {
      refuse(response, 503, 'CLOSED', 'this dashboard is closed');
      return;
    }
    // Without a token, only a request addressed to this machine (or an allowed host) is answered:
    // a page whose name is made to resolve to 127.0.0.1 (DNS rebinding) gets nothing.
    if (!hostAllowed(request, resolved)) {
      refuse(
        response,
        403,
        'HOST',
        `a request for host ${JSON.stringify(request.headers.host ?? '')} is not served here`,
      );
      return;
    }
    const url = new URL(request.url ?? '/', 'http://dashboard');
    const { basePath } = resolved;
    if (basePath !== '' && url.pathname === basePath) {
      // The page's links are relative: it must be read from an address ending in '/'.
      response.writeHead(308, { location: `${basePath}/${url.search}` });
      response.end();
      return;
    }
    if (!url.pathname.startsWith(`${basePath}/`)) {
      refuse(response, 404, 'NOT_FOUND', `nothing at ${url.pathname}`);
      return;
    }
    const below = url.pathname.slice(basePath.length);
    const path = below === '/' ? '/' : below.replace(/\/+$/, '');
    // The page and its scripts hold no data: they load without the token, which the page then
    // sends with every API request (from its own address's ?token=).
    const isApi = path === '/api' || path.startsWith('/api/');
    if (isApi && !authorized(request, url, resolved.token)) {
      refuse(response, 401, 'UNAUTHORIZED', 'a valid token is needed');
      return;
    }
    const post = posts.get(path);
    if (post !== undefined) {
      if (request.method !== 'POST') {
        refuse(response, 405, 'METHOD', `${request.method ?? ''} is not allowed here: POST only`);
        return;
      }
      checkQuery(url.searchParams);
      return command(request, response, post);
    }
    // The page's files answer HEAD too (a HEAD's body is dropped by node:http).
    if (request.method === 'HEAD' && !isApi && page(path, request, response)) return;
    if (request.method !== 'GET') {
      refuse(response, 405, 'METHOD', `${request.method} is not allowed here`);
      return;
    }
    if (!isApi && page(path, request, response)) return;
    if (path === '/api/events') {
      checkQuery(url.searchParams);
      events(request, response);
      return;
    }
    const body = isApi ? read(path, url.searchParams) : undefined;
    if (body !== undefined) {
      send(response, 200, body);
      return;
    }
    refuse(response, 404, 'NOT_FOUND', `nothing at ${url.pathname}`);
  };

  return {
    options: resolved,
    handle(request, response) {
      route(request, response).catch((error: unknown) => {
        if (!response.headersSent) fail(response, error);
        else response.end();
      });
    },
    listen() {
      server = createServer((request, response) => {
        this.handle(request, response);
      });
      const listening = server;
      return new Promise((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(resolved.port, resolved.host, () => {
          const { port } = listening.address() as AddressInfo;
          const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
          resolve(`http://${host}:${port}`);
        });
      });
    },
    async close() {
      sampler.stop();
      closed = true;
      endStreams();
      if (server !== undefined) {
        const closing = server;
        const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
        closing.closeAllConnections(); // a browser's idle keep-alive connections too
        await closed;
      }
      db?.close();
      db = undefined;
      reads = undefined;
    },
  };
}
