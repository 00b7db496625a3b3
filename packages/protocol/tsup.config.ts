import { defineConfig } from 'tsup';

export default defineConfig({
  // errors and version are also entries of their own, so clients can take the catalogue without the schemas.
  entry: ['src/index.ts', 'src/errors.ts', 'src/version.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
