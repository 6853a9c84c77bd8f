/**
 * Packaging: `npm pack` (which builds dist/ through `prepare`) yields a tarball that installs into
 * a fresh project, where its entry points (`warden`, `warden/playwright`, `warden/machines`,
 * `warden/policies` and `warden/dashboard`) import and type-check, and the dashboard serves its
 * page from the package's ui/.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'warden-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the packed package', () => {
  it('installs from its tarball and offers every entry point with its types', () => {
    npm(['pack', '--pack-destination', scratch, '--silent'], root);
    const tarball = readdirSync(scratch).find((file) => file.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const listing = execFileSync('tar', ['-tzf', join(scratch, tarball ?? '')], {
      encoding: 'utf8',
    });
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/index.d.ts');
    expect(listing).toContain('package/dist/playwright/index.js');
    expect(listing).toContain('package/dist/playwright/index.d.ts');
    expect(listing).toContain('package/dist/machines/index.js');
    expect(listing).toContain('package/dist/policies/index.d.ts');
    expect(listing).toContain('package/dist/dashboard/index.js');
    expect(listing).toContain('package/dist/dashboard/index.d.ts');
    expect(listing).toContain('package/ui/index.html');

    const app = join(scratch, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module' }),
    );
    // Scripts are skipped: better-sqlite3 loads its native binding only when a database opens.
    npm(
      [
        'install',
        join(scratch, tarball ?? ''),
        `playwright-core@${playwrightVersion()}`,
        '--ignore-scripts',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ],
      app,
    );
    const imported = execFileSync(
      'node',
      [
        '--input-type=module',
        '-e',
        `const core = await import('warden'); const pw = await import('warden/playwright');
         const machines = await import('warden/machines'); const policies = await import('warden/policies');
         console.log(typeof core.createWarden, typeof core.CircuitOpenError, typeof pw.createBrowserPool,
           typeof machines.jobMachine, typeof policies.backoffDelay, 'nextJobStatus' in core);`,
      ],
      { cwd: app, encoding: 'utf8' },
    );
    expect(imported.trim()).toBe('function function function object function false');

    // The dashboard from the package: its page (ui/ at the package's root) and vendored Chart.js
    // load; its API, on a file that is not there, names the `database` option. (Nothing opens
    // SQLite, whose native binding the install skipped.)
    const served = execFileSync(
      'node',
      [
        '--input-type=module',
        '-e',
        `const { createDashboard } = await import('warden/dashboard');
         const dashboard = createDashboard({ database: 'absent.db' });
         const url = await dashboard.listen();
         const page = await fetch(url + '/');
         const chart = await fetch(url + '/vendor/chart.js');
         const api = await fetch(url + '/api/overview');
         const { error } = await api.json();
         console.log(page.status, (await page.text()).includes('<html'), chart.status, api.status, error.message);
         await dashboard.close();`,
      ],
      { cwd: app, encoding: 'utf8' },
    );
    expect(served.trim()).toBe(
      "200 true 200 503 `absent.db` does not exist: the dashboard's `database` option must name the file a Warden writes to",
    );

    writeFileSync(
      join(app, 'check.ts'),
      `import { createWarden, type Breaker, type Pool, type Warden } from 'warden';
       import { createBrowserPool, type BrowserPool } from 'warden/playwright';
       import { jobMachine, type JobStatus } from 'warden/machines';
       import { backoffDelay, type ResolvedBackoff } from 'warden/policies';
       import {
         createDashboard,
         type Dashboard,
         type DashboardOptions,
         type ResolvedDashboardOptions,
       } from 'warden/dashboard';
       const warden: Warden = createWarden({ database: ':memory:' });
       const breaker: Breaker<string> = warden.breaker('b', { fallback: () => 'x' });
       const pool: Pool<number> = warden.pool('p', { create: () => 1 });
       const browsers: BrowserPool = createBrowserPool(warden, 'browsers');
       const policy: ResolvedBackoff = { type: 'fixed', delayMs: 10, jitter: 0 };
       const machine: string = jobMachine.id;
       const status: JobStatus = 'queued';
       const delay: number = backoffDelay(policy, 1, 0);
       const dashboardOptions: DashboardOptions = { database: 'warden.db', readOnly: true };
       const dashboard: Dashboard = createDashboard(dashboardOptions);
       const resolved: ResolvedDashboardOptions = dashboard.options;
       export { breaker, pool, browsers, machine, status, delay, resolved };\n`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
          lib: ['es2022', 'dom'],
        },
        files: ['check.ts'],
      }),
    );
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', app], { encoding: 'utf8' });
  }, 180_000);
});

function playwrightVersion(): string {
  const pkg = JSON.parse(
    execFileSync(
      'node',
      ['-p', "JSON.stringify(require('./node_modules/playwright-core/package.json'))"],
      {
        cwd: root,
        encoding: 'utf8',
      },
    ),
  ) as { version: string };
  return pkg.version;
}
