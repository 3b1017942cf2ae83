import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'].every((f) =>
  existsSync(`${root}dist/${f}`),
);

// What a user's app writes: no cast on req.gc, from an ES module and from CommonJS.
const CONSUMER = `
import express from 'express';
import { gcCapture, type ConversionFields, type GcCaptureMiddleware } from '@growth-channel/express';
const app = express();
const capture: GcCaptureMiddleware = gcCapture({ consent: (req) => req.get('x-consent') !== 'no' });
app.use(capture);
app.post('/signup', async (req, res) => {
  const fields: ConversionFields = { revenue: 1 };
  const queued: boolean = req.gc.trackConversion('user_converted', fields);
  const refId: string | undefined = req.gc.refId;
  await req.gc.sendConversion('paid');
  res.json({ queued, refId, endpoint: req.gc.client.endpoint });
});
export const done: Promise<unknown> = capture.close();
`;

// These check the built files the way users load them (turbo builds before testing).
describe.runIf(built)('the built package', () => {
  it('loads from ESM and CommonJS with the same exports', () => {
    const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    const esm = run([
      '--input-type=module',
      '-e',
      "import * as m from '@growth-channel/express'; console.log(Object.keys(m).sort().join(','))",
    ]);
    const cjs = run(['-e', "console.log(Object.keys(require('@growth-channel/express')).sort().join(','))"]);
    expect(esm).toBe(cjs);
    expect(esm.trim().split(',')).toEqual(
      expect.arrayContaining(['gcCapture', 'createClient', 'GrowthChannelError']),
    );
  });

  it('declares req.gc in both declaration files', () => {
    for (const file of ['index.d.ts', 'index.d.cts']) {
      const text = readFileSync(`${root}dist/${file}`, 'utf8');
      expect(text).toMatch(/declare global {\s+namespace Express {\s+interface Request {[^}]*gc: GcContext;/);
    }
  });

  it('types req.gc in a strict TypeScript app, ESM and CommonJS, without a cast', async () => {
    // Inside the package, so `@growth-channel/express` resolves to itself through its exports map.
    const dir = `${root}node_modules/.cache/consumer-types`;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/app.mts`, CONSUMER);
    writeFileSync(`${dir}/app.cts`, CONSUMER);
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const args = [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
    args.push(
      '--target',
      'es2022',
      '--types',
      'node',
      '--esModuleInterop',
      '--skipLibCheck',
      `${dir}/app.mts`,
      `${dir}/app.cts`,
    );
    const output = await new Promise<string>((resolve) => {
      execFile(process.execPath, args, { cwd: root, encoding: 'utf8' }, (_error, stdout, stderr) =>
        resolve(stdout + stderr),
      );
    });
    expect(output).toBe('');
  }, 30_000);
});
