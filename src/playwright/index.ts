export { BrowserCleanupError } from '../errors.js';
export { createBrowserPool } from './browserPool.js';
export type {
  BrowserLease,
  BrowserPool,
  BrowserPoolOptions,
  PooledBrowser,
} from './browserPool.js';
