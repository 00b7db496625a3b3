import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'components/index': 'src/components/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  external: ['react', '@chat4all/sdk-js', '@tanstack/react-virtual'],
});
