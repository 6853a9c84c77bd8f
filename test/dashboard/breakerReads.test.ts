import { afterEach, describe, expect, it } from 'vitest';
import type { BreakerChange, BreakerNow } from '../../src/dashboard/breakerReads.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/dashboard.js';
import { callTimes, down } from '../breakers/helpers.js';
import { tempDatabase, testWarden } from '../helpers.js';
import { settle } from '../pools/helpers.js';

const dashboards: Dashboard[] = [];
afterEach(async () => {
  for (const dashboard of dashboards.splice(0)) await dashboard.close();
});

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

interface Detail {
  at: number | null;
  breaker: BreakerNow;
  history: BreakerChange[];
  next: number | null;
}

interface Failure {
  error: { code: string; message: string };
}

/** GETs `url`, its body taken to be a `T` (checked by the expectations on it). */
async function read<T>(
  url: string,
  shape: (body: unknown) => T,
): Promise<{ status: number; body: T }> {
  const { status, body } = await get(url);
  return { status, body: shape(body) };
}

const asDetail = (body: unknown) => body as Detail;
const asFailure = (body: unknown) => body as Failure;
const asList = (body: unknown) => body as { at: number; breakers: BreakerNow[] };

/** `pricing` opened, half-opened and opened again; `ledger` never changed (snapshot only). */
async function breakerFile() {
  const database = tempDatabase();
  const { warden, clock } = testWarden({ database, snapshotIntervalMs: 100 });
  const pricing = warden.breaker('pricing', { consecutiveFailures: 1, openMs: 60_000 });
  warden.breaker('ledger');
  await warden.start();
  await callTimes(pricing, 1, down);
  await settle(clock);
  await clock.advance(60_000); // half-open
  await settle(clock);
  await callTimes(pricing, 1, down); // the trial fails: open again
  await settle(clock);
  await clock.advance(100);
  await settle(clock);
  const dashboard = createDashboard({ database, clock });
  dashboards.push(dashboard);
  return { base: await dashboard.listen(), clock };
}

describe('api/breakers/:name and api/breaker-states', () => {
  it('gives a breaker now and its history newest first, by pages', async () => {
    const { base } = await breakerFile();
    const { status, body } = await read(`${base}/api/breakers/pricing`, asDetail);
    expect(status).toBe(200);
    expect(body.breaker).toMatchObject({ name: 'pricing', state: 'open', failures: 2 });
    expect(body.history.map((change) => change.to)).toEqual(['open', 'half-open', 'open']);
    expect(body.breaker.openedAt).toBe(body.history[0]?.at);
    expect(body.breaker.openUntil).toBe(body.history[0]?.openUntil);
    expect(body.breaker.openUntil).toBeGreaterThan(body.breaker.openedAt ?? Infinity);
    expect(body.next).toBeNull();

    const page = await read(`${base}/api/breakers/pricing?limit=2`, asDetail);
    expect(page.body.history.map((change) => change.to)).toEqual(['open', 'half-open']);
    expect(page.body.next).toBe(page.body.history[1]?.id);
    const rest = await read(
      `${base}/api/breakers/pricing?limit=2&before=${page.body.next}`,
      asDetail,
    );
    expect(rest.body.history.map((change) => change.to)).toEqual(['open']);
    expect(rest.body.history[0]?.from).toBe('closed');
    expect(rest.body.next).toBeNull();
  });

  it('knows a breaker only the snapshot lists; an unknown one is a 404, a bad query a 400', async () => {
    const { base } = await breakerFile();
    const ledger = await read(`${base}/api/breakers/ledger`, asDetail);
    expect(ledger.status).toBe(200);
    expect(ledger.body.breaker).toMatchObject({ state: 'closed', opens: 0, openedAt: null });
    expect(ledger.body.history).toEqual([]);

    const unknown = await read(`${base}/api/breakers/nope`, asFailure);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('ACTOR_NOT_FOUND');
    expect(unknown.body.error.message).toContain('breaker:nope');
    for (const query of ['limit=0', 'limit=501', 'before=x', 'limit=1&limit=2', 'since=1']) {
      const bad = await read(`${base}/api/breakers/pricing?${query}`, asFailure);
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.code).toBe('INVALID_OPTION');
    }

    const list = await read(`${base}/api/breaker-states`, asList);
    expect(list.body.breakers.map((b) => [b.name, b.state])).toEqual([
      ['ledger', 'closed'],
      ['pricing', 'open'],
    ]);
    expect((await get(`${base}/api/breaker-states?x=1`)).status).toBe(400);
  });
});
