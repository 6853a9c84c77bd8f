/** `warden/dashboard`, the public entry point: createDashboard, and a missing file named as its option. */
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../src/errors.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { openDashboardFile } from '../../src/dashboard/dashboardOptions.js';
import { tempDatabase } from '../helpers.js';

const open: Dashboard[] = [];
afterEach(async () => {
  for (const dashboard of open.splice(0)) await dashboard.close();
});

describe('warden/dashboard', () => {
  it("names the `database` option, not the CLI's flag, for a file that does not exist", async () => {
    const database = tempDatabase();
    const expected = `\`${database}\` does not exist: the dashboard's \`database\` option must name the file a Warden writes to`;
    expect(() => openDashboardFile(database)).toThrow(DatabaseUnavailableError);
    expect(() => openDashboardFile(database)).toThrow(expected);
    const dashboard = createDashboard({ database });
    open.push(dashboard);
    const response = await fetch(`${await dashboard.listen()}/api/overview`);
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error).toEqual({
      name: 'DatabaseUnavailableError',
      code: 'DATABASE_UNAVAILABLE',
      message: expected,
    });
    expect(error.message).not.toContain('--database');
  });
});
