import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { inspect } from 'node:util';
import type { Request } from 'express';
import request from 'supertest';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type GcCaptureOptions,
  type GcContext,
  GrowthChannelConfigError,
  type GrowthChannelError,
  gcCapture,
} from '../src/index.js';
import { API_KEY, EXPRESS_VERSIONS, FAST, startApp } from './helpers.js';

function configError(build: () => unknown): GrowthChannelConfigError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(GrowthChannelConfigError);
    return error as GrowthChannelConfigError;
  }
  throw new Error('expected a GrowthChannelConfigError');
}

describe('gcCapture options', () => {
  it.each<[string, Record<string, unknown>]>([
    ['cookies', { cookies: {} }],
    ['storage', { storage: 'disk' }],
    ['attribution', { attribution: 'linear' }],
    ['maxAgeDays', { maxAgeDays: 0 }],
    ['cookie.name', { cookie: { name: 'bad name' } }],
    ['cookie.path', { cookie: { path: 'relative' } }],
    ['cookie.sameSite', { cookie: { sameSite: 'none', secure: false } }],
    ['cookie.expires', { cookie: { expires: 1 } }],
    ['secret', { secret: 'short' }],
    ['consent', { consent: true }],
    ['param', { param: [] }],
    ['validate', { validate: 'abc' }],
    ['client', { client: 'key' }],
    ['trackerId', { trackerId: '' }],
    ['onError', { onError: 'log' }],
  ])('refuses a bad `%s` with an error that names it', (option, options) => {
    const error = configError(() => gcCapture(options as GcCaptureOptions));
    expect(error.code).toBe('GC_ERR_CONFIG');
    expect(error.message.startsWith('@growth-channel/express: ')).toBe(true);
    expect(error.message).toContain(`\`${option}`);
  });

  it('refuses bad client options with an error that names the option', () => {
    const error = configError(() => gcCapture({ client: { timeoutMs: -1 } }));
    expect(error.message).toMatch(
      /^@growth-channel\/express: `client\.timeoutMs` must be an integer from 1 to 2147483647/,
    );
  });

  it('is a factory: called with a request instead of options, it says to call gcCapture()', () => {
    const req = new IncomingMessage(new Socket());
    const error = configError(() => (gcCapture as (...args: unknown[]) => unknown)(req, {}, () => {}));
    expect(error.message).toContain('write app.use(gcCapture())');
  });

  it('does not mutate the options it is given', async () => {
    const deepFreeze = <T extends object>(value: T): T => {
      for (const inner of Object.values(value)) if (inner && typeof inner === 'object') deepFreeze(inner);
      return Object.freeze(value);
    };
    const [, express] = EXPRESS_VERSIONS[0] as (typeof EXPRESS_VERSIONS)[number];
    const options = deepFreeze({
      param: ['ref_id'],
      cookie: { name: 'frozen_ref', sameSite: 'lax' as const },
      secret: ['capture-secret-for-tests-0123456789'],
      maxAgeDays: 10,
    });
    const snapshot = JSON.stringify(options);
    const h = await startApp(express, { options });
    const agent = h.agent();
    await agent.get('/landing?ref_id=abc');
    expect((await agent.post('/convert')).body).toEqual({ queued: true });
    await h.receiver.waitForPostbacks(1);
    expect(JSON.stringify(options)).toBe(snapshot);

    const client = deepFreeze({ apiKey: API_KEY, baseUrl: h.receiver.url, ...FAST });
    const capture = gcCapture({ client });
    expect(JSON.stringify(client)).toBe(
      JSON.stringify({ apiKey: API_KEY, baseUrl: h.receiver.url, ...FAST }),
    );
    await capture.close();
  });

  it('types req.gc on Express requests without a cast', () => {
    expectTypeOf<Request['gc']>().toEqualTypeOf<GcContext>();
    expectTypeOf<Request['gc']['trackConversion']>().returns.toEqualTypeOf<boolean>();
    expectTypeOf(gcCapture).parameter(0).toEqualTypeOf<GcCaptureOptions | undefined>();
  });
});

describe.each(EXPRESS_VERSIONS)('%s: misuse and safety', (_name, express) => {
  it('app.use(gcCapture) without calling it fails the request with a hint to call gcCapture()', async () => {
    const app = express();
    app.use(gcCapture as never);
    let caught: unknown;
    app.use((error: unknown, _req: Request, res: import('express').Response, _next: unknown) => {
      caught = error;
      res.status(500).end();
    });
    const res = await request(app).get('/landing?ref_id=abc');
    expect(res.status).toBe(500);
    expect(caught).toBeInstanceOf(GrowthChannelConfigError);
    expect((caught as Error).message).toMatch(
      /^@growth-channel\/express: gcCapture is a factory: write app\.use\(gcCapture\(\)\)/,
    );
  });

  it('never puts the API key in req.gc, the middleware or an error, however inspected', async () => {
    let gcView = '';
    const h = await startApp(express, {
      options: { client: { apiKey: API_KEY, baseUrl: 'http://127.0.0.1:1', maxRetries: 0 } },
      after: (app) =>
        app.use((req, _res, next) => {
          gcView = `${inspect(req.gc, { showHidden: true, depth: 8 })} ${JSON.stringify(req.gc)}`;
          next();
        }),
    });
    const agent = h.agent();
    await agent.get('/landing?ref_id=abc');
    expect((await agent.post('/send')).body).toEqual({ code: 'GC_ERR_NETWORK' });
    await agent.post('/convert');
    await h.capture.client.flush(2_000);
    expect(h.errors.map((error) => error.code)).toEqual(['GC_ERR_NETWORK']);
    const views = [
      gcView,
      inspect(h.capture, { showHidden: true, depth: 8 }),
      ...h.errors.map(
        (error: GrowthChannelError) => `${inspect(error, { depth: 8 })} ${JSON.stringify(error)}`,
      ),
    ];
    expect(gcView).toContain('"refId":"abc"');
    for (const view of views) expect(view).not.toContain(API_KEY);
  });

  it('lets the request go on when req.gc cannot be set, and reports it', async () => {
    const h = await startApp(express, {
      before: (app) =>
        app.use((req, _res, next) => {
          Object.defineProperty(req, 'gc', { value: 'taken', writable: false });
          next();
        }),
      after: (app) => app.get('/plain', (_req, res) => res.send('ok')),
    });
    const res = await h.agent().get('/plain?ref_id=abc');
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
    expect(h.errors.map((error) => error.code)).toEqual(['GC_ERR_CAPTURE']);
  });

  it('gives req.gc to every request, with or without a ref_id', async () => {
    const h = await startApp(express);
    const res = await h.agent().get('/landing');
    expect(res.body).toEqual({ refId: null, source: null });
  });
});
