import { existsSync } from 'node:fs';

/** Debian's Chromium, which .ci/run installs: the browser every browser test drives. */
export const executablePath = '/usr/bin/chromium';

/** The flags it runs with in a container: headless, no sandbox, no GPU, nothing fetched. */
export const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails at once, saying what to install, when Chromium is missing. */
export function assertChromium(): void {
  if (!existsSync(executablePath))
    throw new Error(`${executablePath} is missing: apt-get install -y chromium`);
}
