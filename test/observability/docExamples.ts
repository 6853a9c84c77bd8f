import { readFileSync } from 'node:fs';

/**
 * The code a page of docs/ shows between `<!-- name:start -->` and `<!-- name:end -->`, as the
 * example file it mirrors holds it: `from 'warden'` is `from '../src/index.js'` there.
 */
export function documentedExample(page: string, name: string): string | undefined {
  const text = readFileSync(new URL(`../../docs/${page}`, import.meta.url), 'utf8');
  const block = new RegExp(
    `<!-- ${name}:start -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`,
  ).exec(text)?.[1];
  return block?.replaceAll("from 'warden'", "from '../src/index.js'");
}

/** The source of `examples/<file>`. */
export function exampleSource(file: string): string {
  return readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8');
}
