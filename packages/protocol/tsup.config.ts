import { defineConfig } from 'tsup';

export default defineConfig({
  // errors, version and content are also entries of their own, so clients can take them without the schemas.
  entry: ['src/index.ts', 'src/errors.ts', 'src/version.ts', 'src/content.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
