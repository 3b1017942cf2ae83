import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Runs packages/nestjs's test files unchanged against the NestJS 11 installed here. Every import of
// Nest, rxjs and reflect-metadata (from the tests and from the package's src) is pinned to this
// folder's node_modules, so Nest is loaded once, in the version under test.
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const own = (name: string): string => realpathSync(here(`./node_modules/${name}`));
const packageDir = here('../../packages/nestjs');

const PINNED = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/platform-fastify',
  '@nestjs/testing',
  'rxjs',
  'reflect-metadata',
];
const escapeRegExp = (name: string): string => name.replace(/[/.]/g, '\\$&');

export default defineConfig({
  plugins: [swc.vite({ tsconfigFile: `${packageDir}/tsconfig.json` })],
  resolve: {
    alias: [
      ...PINNED.map((name) => ({
        find: new RegExp(`^${escapeRegExp(name)}(?=$|/)`),
        replacement: own(name),
      })),
      { find: /^@growth-channel\/nestjs$/, replacement: `${packageDir}/src/index.ts` },
    ],
  },
  test: {
    dir: `${packageDir}/test`,
    include: ['**/*.test.ts'],
    testTimeout: 10_000,
    env: { GC_EXPECTED_NEST_MAJOR: '11', GC_NEST_CORE_DIR: own('@nestjs/core') },
  },
});
