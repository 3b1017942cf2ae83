import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Nest reads constructor and parameter types from decorator metadata, which esbuild does not emit.
  plugins: [swc.vite()],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 10_000,
    // compat/nestjs-11 runs these same files against NestJS 11; test/nest-version.test.ts checks which.
    env: {
      GC_EXPECTED_NEST_MAJOR: '12',
      GC_NEST_CORE_DIR: realpathSync(fileURLToPath(new URL('./node_modules/@nestjs/core', import.meta.url))),
    },
  },
});
