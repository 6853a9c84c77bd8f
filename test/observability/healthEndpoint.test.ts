import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { healthServer } from '../../examples/healthEndpoint.js';
import type { EventLoopReading, EventLoopSampler, Health, Warden } from '../../src/index.js';
import { testWarden } from '../helpers.js';
import { documentedExample, exampleSource } from './docExamples.js';

// docs/health.md shows examples/healthEndpoint.ts; these tests run it against a real Warden.

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A sampler whose reading the test sets, so the test runner's own event loop decides nothing. */
function setSampler(): { sampler: EventLoopSampler; set(p99Ms: number): void } {
  let reading: EventLoopReading = { p99Ms: 0, maxMs: 0, samples: 0 };
  return {
    sampler: { start() {}, stop() {}, read: () => reading, reset() {} },
    set(p99Ms) {
      reading = { p99Ms, maxMs: p99Ms, samples: 10 };
    },
  };
}

/** The example's server for `warden`, listening on a free loopback port; its base URL. */
async function serve(warden: Warden): Promise<string> {
  const server = healthServer(warden);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function probe(
  url: string,
  init?: RequestInit,
): Promise<{ code: number; type: string | null; body: string }> {
  const response = await fetch(url, init);
  return {
    code: response.status,
    type: response.headers.get('content-type'),
    body: await response.text(),
  };
}

describe('the health endpoint of docs/health.md', () => {
  it('is the code the page shows, word for word', () => {
    expect(documentedExample('health.md', 'health-endpoint')).toBe(
      exampleSource('healthEndpoint.ts'),
    );
  });

  it('answers 200 and the health as JSON while healthy, and while degraded', async () => {
    const loop = setSampler();
    const { warden } = testWarden({ health: { eventLoop: { sampler: loop.sampler } } });
    await warden.start();
    const base = await serve(warden);

    const healthy = await probe(`${base}/health`);
    expect(healthy).toMatchObject({ code: 200, type: 'application/json' });
    expect(JSON.parse(healthy.body)).toEqual(warden.health());
    expect((JSON.parse(healthy.body) as Health).status).toBe('healthy');

    loop.set(300); // over the default degradedMs of 200
    const degraded = await probe(`${base}/health`);
    expect(degraded.code).toBe(200);
    expect(JSON.parse(degraded.body)).toMatchObject({
      status: 'degraded',
      checks: { eventLoop: { status: 'degraded', lagP99Ms: 300 } },
    });
  });

  it('answers 503 when unhealthy: a check, or a Warden not running', async () => {
    const loop = setSampler();
    const { warden } = testWarden({ health: { eventLoop: { sampler: loop.sampler } } });
    const base = await serve(warden);

    const idle = await probe(`${base}/health`);
    expect(idle.code).toBe(503);
    expect(JSON.parse(idle.body)).toMatchObject({ status: 'unhealthy', lifecycle: 'idle' });

    await warden.start();
    loop.set(1_500); // over the default unhealthyMs of 1,000
    const slow = await probe(`${base}/health`);
    expect(slow.code).toBe(503);
    expect(JSON.parse(slow.body)).toMatchObject({
      status: 'unhealthy',
      lifecycle: 'running',
      checks: { eventLoop: { status: 'unhealthy' } },
    });

    await warden.stop({ graceMs: 0 });
    const stopped = await probe(`${base}/health`);
    expect(stopped.code).toBe(503);
    expect(JSON.parse(stopped.body)).toMatchObject({ status: 'unhealthy', lifecycle: 'stopped' });
  });

  it('answers 404 for another path or method', async () => {
    const { warden } = testWarden();
    await warden.start();
    const base = await serve(warden);

    expect((await probe(`${base}/metrics`)).code).toBe(404);
    expect((await probe(`${base}/health`, { method: 'POST' })).code).toBe(404);
  });
});
