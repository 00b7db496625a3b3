import { defineConfig } from 'vitest/config';

// Tests run against each package's TypeScript source, through the `@chat4all/source`
// export condition, never against a stale build.
export default defineConfig({
  resolve: { conditions: ['@chat4all/source'] },
  ssr: { resolve: { conditions: ['@chat4all/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.{ts,tsx}', 'packages/*/test/**/*.test.{ts,tsx}', 'examples/*/test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    // Type tests (*.test-d.ts) of the client packages' public API, checked by tsc.
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts'],
      tsconfig: 'tsconfig.typecheck.json',
      ignoreSourceErrors: true,
    },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
