import { defineConfig } from 'tsup';

export default defineConfig({
  // errors, version, content and thread-summary are also entries of their own, so clients can take them without the schemas.
  entry: ['src/index.ts', 'src/errors.ts', 'src/version.ts', 'src/content.ts', 'src/thread-summary.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
