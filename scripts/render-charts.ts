/**
 * Redraws docs/charts/<machine>.svg for every built-in machine (`npm run charts`); a test fails
 * when a drawing no longer matches its machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { builtInMachineNames, builtInMachines, toSvg } from '../src/charts/index.js';

const folder = new URL('../docs/charts/', import.meta.url);
mkdirSync(folder, { recursive: true });
for (const name of builtInMachineNames) {
  const file = new URL(`${name}.svg`, folder);
  writeFileSync(file, await toSvg(builtInMachines[name]));
  console.log(`wrote docs/charts/${name}.svg`);
}
