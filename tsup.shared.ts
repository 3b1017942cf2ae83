import type { Options } from 'tsup';

/** How every library package is built: ESM and CommonJS, each with its own declaration file. */
export const libraryBuild: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
};
