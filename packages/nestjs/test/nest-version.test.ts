import { readFileSync } from 'node:fs';
import * as nestCore from '@nestjs/core';
import { expect, it } from 'vitest';

// The same test files run against NestJS 12 (here) and 11 (compat/nestjs-11); this one says which.
it('runs against the NestJS major the config asks for', () => {
  const expected = Number(process.env.GC_EXPECTED_NEST_MAJOR);
  const dir = process.env.GC_NEST_CORE_DIR as string;
  const { version } = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { version: string };
  // NestJS 12 is ESM-only; 11 and earlier are CommonJS, whose namespace has a `default` export.
  const format = 'default' in nestCore ? 'commonjs' : 'esm';
  console.info(`@growth-channel/nestjs tests: NestJS ${version} (${format})`);
  expect(Number(version.split('.')[0])).toBe(expected);
  expect(format).toBe(expected >= 12 ? 'esm' : 'commonjs');
});
