import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // CI asks for a JSON report beside the usual output, to count passes and failures.
    reporters: process.env['VITEST_JSON_REPORT'] ? ['default', 'json'] : ['default'],
    ...(process.env['VITEST_JSON_REPORT']
      ? { outputFile: { json: process.env['VITEST_JSON_REPORT'] } }
      : {}),
  },
});
