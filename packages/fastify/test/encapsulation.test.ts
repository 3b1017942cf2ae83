import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import growthChannel, { type GcContext, GrowthChannelConfigError } from '../src/index.js';
import { addRoutes, CookieJar, clientOptions, onCleanup, receiverForTest, toArray } from './helpers.js';

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

  it('at the root and again in a child context is a clear error', async () => {
    const { app, client } = await newApp();
    app.register(growthChannel, { client });
    app.register(async (child) => {
      await child.register(growthChannel, { client });
    });

    await expect(app.ready()).rejects.toThrow(
      /^@growth-channel\/fastify: the plugin is already registered in a parent of this context/,
    );
  });

  it('in a child context and then at the root is a clear error', async () => {
    const { app, client } = await newApp();
    app.register(
      async (shop) => {
        await shop.register(growthChannel, { client });
        addRoutes(shop);
      },
      { prefix: '/shop' },
    );
    app.register(growthChannel, { client });

    const error = await app.ready().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(GrowthChannelConfigError);
    expect((error as Error).message).toMatch(
      /^@growth-channel\/fastify: the plugin is already registered in a child of this context/,
    );
  });

  it('in a grandchild context and then in its grandparent is a clear error', async () => {
    const { app, client } = await newApp();
    app.register(async (outer) => {
      outer.register(async (inner) => {
        await inner.register(growthChannel, { client });
      });
      outer.register(growthChannel, { client });
    });

    await expect(app.ready()).rejects.toThrow(/already registered in a child of this context/);
  });

  it('in a child context and then in its sibling is allowed', async () => {
    const { app, client } = await newApp();
    for (const prefix of ['/a', '/b']) {
      app.register(
        async (scope) => {
          await scope.register(growthChannel, { client });
          addRoutes(scope);
        },
        { prefix },
      );
    }
    await app.ready();

    for (const prefix of ['/a', '/b']) {
      const landing = await app.inject({ url: `${prefix}/landing?ref_id=abc123xyz` });
      expect(landing.json()).toEqual({ refId: 'abc123xyz', refIdSource: 'query' });
      expect(toArray(landing.headers['set-cookie'])).toHaveLength(1);
    }
  });
});

describe('a request another registration already captured', () => {
  it('is left to that registration, with one warning', async () => {
    const { app, client } = await newApp();
    const warnings: string[] = [];
    // Stands for a registration the registry cannot see (a copy of the package that predates it),
    // in a child context: Fastify appends the root hook registered later after this one.
    const earlier = { refId: 'from-the-other-one', refIdSource: 'cookie' } as GcContext;
    app.register(
      async (shop) => {
        shop.decorateRequest('gc', null as unknown as GcContext);
        shop.addHook('onRequest', async (request) => {
          request.gc = earlier;
        });
        addRoutes(shop);
      },
      { prefix: '/shop' },
    );
    app.register(growthChannel, { client, logger: { warn: (message) => warnings.push(message) } });
    app.register(async (other) => addRoutes(other), { prefix: '/other' });
    await app.ready();

    for (let i = 0; i < 2; i++) {
      const landing = await app.inject({ url: '/shop/landing?ref_id=abc123xyz' });
      expect(landing.json()).toEqual({ refId: 'from-the-other-one', refIdSource: 'cookie' });
      expect(landing.headers['set-cookie']).toBeUndefined();
    }
    expect(warnings).toEqual([
      expect.stringMatching(/^@growth-channel\/fastify: request\.gc was already set/),
    ]);
    // Routes the other registration does not cover are captured as usual.
    const other = await app.inject({ url: '/other/landing?ref_id=abc123xyz' });
    expect(other.json()).toEqual({ refId: 'abc123xyz', refIdSource: 'query' });
    expect(toArray(other.headers['set-cookie'])).toHaveLength(1);
  });
});
