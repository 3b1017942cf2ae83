import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import growthChannel, { GrowthChannelConfigError } from '../src/index.js';
import { addRoutes, CookieJar, clientOptions, onCleanup, receiverForTest } from './helpers.js';

async function newApp(): Promise<{ app: FastifyInstance; client: ReturnType<typeof clientOptions> }> {
  const receiver = await receiverForTest();
  const app = Fastify();
  onCleanup(() => app.close());
  return { app, client: clientOptions(receiver) };
}

describe('registered at the root', () => {
  it('captures in every child context, prefixed or not', async () => {
    const { app, client } = await newApp();
    await app.register(growthChannel, { client });
    await app.register(
      async (shop) => {
        addRoutes(shop);
      },
      { prefix: '/shop' },
    );
    await app.ready();

    const landing = await app.inject({ url: '/shop/landing?ref_id=abc123xyz' });
    expect(landing.json()).toEqual({ refId: 'abc123xyz', refIdSource: 'query' });
    const jar = new CookieJar().update(landing.headers['set-cookie']);
    const signup = await app.inject({ method: 'POST', url: '/shop/signup', headers: jar.headers() });
    expect(signup.json()).toEqual({ tracked: true });
  });
});

describe('registered inside a prefixed child context', () => {
  it('captures in that context only, and app.gc belongs to it', async () => {
    const { app, client } = await newApp();
    let child: FastifyInstance | undefined;
    await app.register(
      async (shop) => {
        await shop.register(growthChannel, { client });
        addRoutes(shop);
        child = shop;
      },
      { prefix: '/shop' },
    );
    app.get('/outside', async (request) => ({ decorated: (request as { gc?: unknown }).gc !== undefined }));
    await app.ready();

    expect(child?.hasDecorator('gc')).toBe(true);
    expect(app.hasDecorator('gc')).toBe(false);
    expect((await app.inject({ url: '/shop/landing?ref_id=abc123xyz' })).json()).toEqual({
      refId: 'abc123xyz',
      refIdSource: 'query',
    });
    const outside = await app.inject({ url: '/outside?ref_id=abc123xyz' });
    expect(outside.json()).toEqual({ decorated: false });
    expect(outside.headers['set-cookie']).toBeUndefined();
  });

  it('closes its client when the app closes', async () => {
    const { app, client } = await newApp();
    let child: FastifyInstance | undefined;
    await app.register(async (shop) => {
      await shop.register(growthChannel, { client });
      child = shop;
    });
    await app.ready();
    const gc = child?.gc;

    await app.close();

    expect(gc?.closed).toBe(true);
  });

  it('can be registered in two sibling contexts, each with its own client', async () => {
    const { app, client } = await newApp();
    const clients: unknown[] = [];
    for (const prefix of ['/a', '/b']) {
      await app.register(
        async (scope) => {
          await scope.register(growthChannel, { client, cookie: { name: `ref${prefix.slice(1)}` } });
          addRoutes(scope);
          clients.push(scope.gc);
        },
        { prefix },
      );
    }
    await app.ready();

    expect(clients[0]).not.toBe(clients[1]);
    const b = await app.inject({ url: '/b/landing?ref_id=abc123xyz' });
    expect(String(b.headers['set-cookie'])).toMatch(/^refb=/);
  });
});

describe('registering twice', () => {
  it('in the same context is a clear error', async () => {
    const { app, client } = await newApp();
    app.register(growthChannel, { client });
    app.register(growthChannel, { client });

    const error = await app.ready().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(GrowthChannelConfigError);
    expect((error as Error).message).toMatch(
      /^@growth-channel\/fastify: the plugin is already registered in this context/,
    );
  });

  it('at the root and again in a child context is the same error', async () => {
    const { app, client } = await newApp();
    app.register(growthChannel, { client });
    app.register(async (child) => {
      await child.register(growthChannel, { client });
    });

    await expect(app.ready()).rejects.toThrow(/already registered/);
  });
});
