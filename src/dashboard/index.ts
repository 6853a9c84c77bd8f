/**
 * `warden/dashboard`: the live dashboard over a Warden database file — its web page, HTTP API and
 * live updates — served on its own (`listen()`) or mounted in an existing `node:http` server
 * (`handle()`, under `basePath`). It reads the file read-only; its commands go to the owning
 * process through the commands path. `warden dashboard` (the CLI) serves the same.
 */
export { createDashboard } from './dashboard.js';
export type { Dashboard } from './dashboard.js';
export type { DashboardOptions, ResolvedDashboardOptions } from './dashboardOptions.js';
