import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli.ts',
    postgres: 'src/postgres.ts',
    redis: 'src/redis.ts',
    s3: 'src/s3.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: {
    entry: {
      index: 'src/index.ts',
      postgres: 'src/postgres.ts',
      redis: 'src/redis.ts',
      s3: 'src/s3.ts',
      'testing/index': 'src/testing/index.ts',
    },
  },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // `testing/cli.ts` finds the package's CLI from its own URL, in the CommonJS build too.
  shims: true,
  external: ['vitest', 'postgres', 'ioredis', '@tus/s3-store'],
});
