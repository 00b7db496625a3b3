import { defineConfig } from 'vitest/config';

/** Test files that open real browsers (Chromium through playwright-core). */
const BROWSER = [
  'packages/sdk-js/test/browser.test.ts',
  'packages/sdk-js/test/video-poster.test.ts',
  'packages/sdk-react/test/components.test.ts',
  'examples/omnichannel-inbox/test/**/*.test.ts',
  'examples/react-chat/test/**/*.test.ts',
];
/** Test files that kill processes (SIGKILL, SIGTERM), cut databases or restart relays mid-flight. */
const CHAOS = [
  'packages/relay-server/test/cli.test.ts',
  'packages/relay-server/test/deployment.test.ts',
  'packages/sdk-js/test/delivery.test.ts',
  'packages/sdk-js/test/scale-out.test.ts',
  'packages/sdk-js/test/failures.test.ts',
];
/** Unit tests that still need the machine's PostgreSQL or Redis. */
const NEEDS_SERVICES = [
  'packages/relay-server/src/store/postgres/**',
  'packages/relay-server/src/**/redis*.test.ts',
  'packages/relay-server/src/bus/redis.test.ts',
];

// Tests run against each package's TypeScript source, through the `@chat4all/source`
// export condition, never against a stale build. Four projects, all run by `vitest run`
// (the README's `npm test`); one at a time with `--project <name>` (`pnpm test:unit`…).
export default defineConfig({
  resolve: { conditions: ['@chat4all/source'] },
  ssr: { resolve: { conditions: ['@chat4all/source'] } },
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.{ts,tsx}', 'packages/protocol/test/**/*.test.ts', 'packages/connectors/test/**/*.test.ts'],
          exclude: NEEDS_SERVICES,
          // Type tests (*.test-d.ts) of the client packages' public API, checked by tsc.
          typecheck: {
            enabled: true,
            include: ['packages/*/test/**/*.test-d.ts'],
            tsconfig: 'tsconfig.typecheck.json',
            ignoreSourceErrors: true,
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            ...NEEDS_SERVICES.map((glob) => (glob.endsWith('**') ? `${glob}/*.test.ts` : glob)),
            'packages/relay-server/test/**/*.test.ts',
            'packages/sdk-js/test/**/*.test.ts',
            'packages/sdk-react/test/**/*.test.{ts,tsx}',
            'examples/node-bot/test/**/*.test.ts',
          ],
          exclude: [...BROWSER, ...CHAOS],
        },
      },
      { extends: true, test: { name: 'browser', include: BROWSER } },
      { extends: true, test: { name: 'chaos', include: CHAOS } },
    ],
  },
});
