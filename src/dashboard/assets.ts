import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file the dashboard serves as it is: its bytes and content type. */
export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  /** A strong validator: a digest of the bytes. */
  readonly etag: string;
  /**
   * The page's own files are revalidated on every load (a 304 when unchanged, so an upgrade is
   * seen at once); the libraries' bundles (1.3 MB of Graphviz) are kept an hour without asking.
   */
  readonly cacheControl: string;
}

/** The page's own files: `ui/` at the package's root (two levels up from src/ and dist/ alike). */
const uiRoot = fileURLToPath(new URL('../../ui/', import.meta.url));
const require = createRequire(import.meta.url);

/** The browser bundles of the libraries the page draws with, served from node_modules (no CDN). */
function vendorFiles(): ReadonlyMap<string, string> {
  const packageDir = (name: string): string => dirname(require.resolve(name));
  return new Map([
    // Graphviz compiled to WebAssembly, as one script defining `Viz`: the state charts.
    ['/vendor/viz.js', join(packageDir('@viz-js/viz'), 'viz-global.js')],
    // Chart.js's UMD build, defining `Chart`: the monitor's charts.
    ['/vendor/chart.js', join(packageDir('chart.js'), 'chart.umd.min.js')],
  ]);
}

const types: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/** A page file's name: lower-case words, one level of folder at most, no `..`. */
const pageFile = /^\/(?:[a-z][a-z0-9-]*\/)?[a-z][a-z0-9-]*\.(html|js|css|svg)$/;

/**
 * The files of the dashboard's page, read from disk once each and kept: `/` is `index.html`.
 * Only names of the page's own shape are looked up, so nothing outside `ui/` is reachable.
 */
export class Assets {
  private readonly cache = new Map<string, Asset | null>();
  private readonly vendor = vendorFiles();

  /** The asset at `path` (the request's path below the dashboard's base), or undefined. */
  get(path: string): Asset | undefined {
    const name = path === '' || path === '/' ? '/index.html' : path;
    // Only names of the page's shape are looked up and kept: a stream of made-up paths (no token
    // is needed for the page) cannot grow the cache.
    if (!this.vendor.has(name) && !pageFile.test(name)) return undefined;
    let found = this.cache.get(name);
    if (found === undefined) {
      found = this.read(name);
      this.cache.set(name, found);
    }
    return found ?? undefined;
  }

  private read(name: string): Asset | null {
    const vendored = this.vendor.get(name);
    const match = pageFile.exec(name);
    const file = vendored ?? (match === null ? undefined : join(uiRoot, name));
    if (file === undefined) return null;
    try {
      const extension = file.slice(file.lastIndexOf('.') + 1);
      const body = readFileSync(file);
      return {
        body,
        type: types[extension] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        cacheControl: vendored === undefined ? 'no-cache' : 'public, max-age=3600',
      };
    } catch {
      return null;
    }
  }
}
