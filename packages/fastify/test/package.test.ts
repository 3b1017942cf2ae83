import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'].every((f) =>
  existsSync(`${root}dist/${f}`),
);

// What a user's app writes: no cast on app.gc or request.gc, from an ES module and from CommonJS.
const CONSUMER = `
import Fastify from 'fastify';
import growthChannel, {
  type ConversionFields,
  type GrowthChannelClient,
  type GrowthChannelPluginOptions,
  growthChannel as named,
} from '@growth-channel/fastify';

export async function start(): Promise<void> {
  const app = Fastify();
  const options: GrowthChannelPluginOptions = { consent: (request) => request.headers['x-consent'] !== 'no' };
  await app.register(growthChannel, options);
  await app.register(async (child) => {
    await child.register(named, { storage: 'cookie' });
  });
  const client: GrowthChannelClient = app.gc;
  app.post('/signup', async (request) => {
    const fields: ConversionFields = { revenue: 1 };
    const queued: boolean = request.gc.trackConversion('user_converted', fields);
    const refId: string | undefined = request.gc.refId;
    await request.gc.sendConversion('paid');
    return { queued, refId, endpoint: request.gc.client.endpoint, same: request.gc.client === client };
  });
  await app.close();
}
`;

// Registers the built plugin through the given module object and lands once with a ref_id.
const LANDING = `
async function land(Fastify, plugin) {
  const app = Fastify();
  await app.register(plugin, { client: { apiKey: 'gc_test_key', baseUrl: 'http://127.0.0.1:9' } });
  app.get('/', async (request) => ({ refId: request.gc.refId, sameClient: request.gc.client === app.gc }));
  const response = await app.inject('/?ref_id=abc123xyz');
  await app.close();
  return { body: response.json(), cookie: String(response.headers['set-cookie']).split('=')[0] };
}
`;

function node(args: string[]): unknown {
  return JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }));
}

// These check the built files the way users load them (turbo builds before testing).
describe.runIf(built)('the built package', () => {
  it('loads from ESM and CommonJS with the same exports', () => {
    const esm = node([
      '--input-type=module',
      '-e',
      "import * as m from '@growth-channel/fastify'; console.log(JSON.stringify(Object.keys(m).sort()))",
    ]);
    const cjs = node([
      '-e',
      "console.log(JSON.stringify(Object.keys(require('@growth-channel/fastify')).sort()))",
    ]);
    expect(esm).toEqual(cjs);
    expect(esm).toEqual(
      expect.arrayContaining(['default', 'growthChannel', 'createClient', 'GrowthChannelError']),
    );
  });

  it('works as the default and the named export, from ESM and from CommonJS', () => {
    const expected = { body: { refId: 'abc123xyz', sameClient: true }, cookie: 'gc_ref_id' };
    const esm = node([
      '--input-type=module',
      '-e',
      `import Fastify from 'fastify';
       import growthChannel, { growthChannel as named } from '@growth-channel/fastify';
       ${LANDING}
       console.log(JSON.stringify({ same: growthChannel === named, default: await land(Fastify, growthChannel) }));`,
    ]);
    expect(esm).toEqual({ same: true, default: expected });

    const cjs = node([
      '-e',
      `const Fastify = require('fastify');
       const m = require('@growth-channel/fastify');
       ${LANDING}
       (async () => {
         const result = { same: m.default === m.growthChannel, default: await land(Fastify, m.default) };
         result.named = await land(Fastify, m.growthChannel);
         console.log(JSON.stringify(result));
       })();`,
    ]);
    expect(cjs).toEqual({ same: true, default: expected, named: expected });
  });

  it('detects a double registration across the ESM and CommonJS copies of the package', () => {
    // One app can load both builds (one plugin imports, another requires): they must share the registry.
    const result = node([
      '--input-type=module',
      '-e',
      `import Fastify from 'fastify';
       import { createRequire } from 'node:module';
       import esm from '@growth-channel/fastify';
       const cjs = createRequire(process.cwd() + '/').call(null, '@growth-channel/fastify').default;
       const client = { apiKey: 'gc_test_key', baseUrl: 'http://127.0.0.1:9' };
       const app = Fastify();
       app.register(async (child) => { await child.register(esm, { client }); });
       app.register(cjs, { client });
       const message = await app.ready().then(() => 'ready', (error) => error.message);
       await app.close();
       console.log(JSON.stringify({ distinct: esm !== cjs, message }));`,
    ]);
    expect(result).toEqual({
      distinct: true,
      message: expect.stringMatching(
        /^@growth-channel\/fastify: the plugin is already registered in a child of this context/,
      ),
    });
  });

  it('declares app.gc and request.gc in both declaration files', () => {
    for (const file of ['index.d.ts', 'index.d.cts']) {
      const text = readFileSync(`${root}dist/${file}`, 'utf8');
      expect(text).toMatch(
        /declare module 'fastify' {\s+interface FastifyInstance {[^}]*gc: GrowthChannelClient;\s+}\s+interface FastifyRequest {[^}]*gc: GcContext;/,
      );
    }
  });

  it('types app.gc and request.gc in a strict TypeScript app, ESM and CommonJS, without a cast', async () => {
    // Inside the package, so `@growth-channel/fastify` resolves to itself through its exports map.
    const dir = `${root}node_modules/.cache/consumer-types`;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/app.mts`, CONSUMER);
    writeFileSync(`${dir}/app.cts`, CONSUMER);
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const options = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
    options.push('--target', 'es2022', '--types', 'node', '--esModuleInterop', '--skipLibCheck');
    // One program per format: in a shared one, the augmentation of one declaration file would hide a
    // missing augmentation in the other (both augment the same 'fastify' module).
    const check = (file: string) =>
      new Promise<string>((resolve) => {
        const args = [tsc, ...options, `${dir}/${file}`];
        execFile(process.execPath, args, { cwd: root, encoding: 'utf8' }, (_error, stdout, stderr) =>
          resolve(stdout + stderr),
        );
      });
    expect(await Promise.all([check('app.mts'), check('app.cts')])).toEqual(['', '']);
  }, 30_000);
});
