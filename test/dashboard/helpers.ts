/* eslint-disable @typescript-eslint/no-explicit-any -- answers are JSON read loosely by the tests */
import { afterEach } from 'vitest';
import { createDashboard, type Dashboard } from '../../src/dashboard/dashboard.js';
import { supervisor, type SupervisorSpec } from '../../src/index.js';

const serving: Dashboard[] = [];
afterEach(async () => {
  for (const dashboard of serving.splice(0)) await dashboard.close();
});

/** A dashboard listening on a free port, closed after the test; resolves with its URL. */
export function serveDashboard(options: Parameters<typeof createDashboard>[0]): Promise<string> {
  const dashboard = createDashboard(options);
  serving.push(dashboard);
  return dashboard.listen();
}

/** A request's status and JSON answer (read loosely: the tests check its shape). */
export async function fetchJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

/** A command-like POST from the dashboard's own page (its header set). */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetchJson(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-warden-request': '1', ...headers },
    body: JSON.stringify(body),
  });
}

/** A tree of the user's own: `feeds` (rest-for-one) over `socket`, which runs until `stops`. */
export function feedsTree(stops: Promise<void>): SupervisorSpec {
  return supervisor({
    id: 'feeds',
    strategy: 'rest-for-one',
    children: [
      {
        id: 'socket',
        start: (ctx) => {
          ctx.ready();
          return stops;
        },
      },
    ],
  });
}

/** A tree of the user's own that spends its budget at once and is dead-lettered: `crashy`. */
export function crashyTree(): SupervisorSpec {
  return supervisor({
    id: 'crashy',
    maxRestarts: 0,
    children: [
      {
        id: 'boom',
        start: () => {
          throw new Error('boom at start');
        },
      },
    ],
  });
}
