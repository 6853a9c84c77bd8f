import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDatabase, testWarden } from '../helpers.js';

const script = fileURLToPath(new URL('./fixtures/directCommand.ts', import.meta.url));
const closeScript = fileURLToPath(new URL('./fixtures/closeStore.ts', import.meta.url));

describe('a command on a file no process owns', () => {
  it('is carried out directly and its issuer goes on, with nothing else keeping it alive', async () => {
    const database = tempDatabase();
    const { warden } = testWarden({ database });
    await warden.start();
    await warden.stop();

    const child = spawnSync(process.execPath, ['--import', 'tsx', script, database, 'email'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toMatchObject({
      kind: 'type.pause',
      target: 'email',
      via: 'direct',
    });

    const again = testWarden({ database });
    await again.warden.start();
    expect((await again.warden.pausedJobTypes()).map((p) => p.type)).toEqual(['email']);
  });

  it('closing a file store after a write waits for its writer thread, which holds nothing open', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', closeScript, tempDatabase()], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('closed\n');
    expect(child.status).toBe(0);
  });
});
