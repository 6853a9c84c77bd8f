import { createServer, type Server } from 'node:http';
import type { Warden } from '../src/index.js';

/**
 * An HTTP server whose `GET /health` answers `warden.health()` as JSON: 200 while healthy or
 * degraded, 503 when unhealthy. Anything else is 404.
 */
export function healthServer(warden: Warden): Server {
  return createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/health') {
      response.writeHead(404).end();
      return;
    }
    const health = warden.health();
    response.writeHead(health.status === 'unhealthy' ? 503 : 200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    response.end(JSON.stringify(health));
  });
}
