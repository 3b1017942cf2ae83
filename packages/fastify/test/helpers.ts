import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { FAST_RETRIES, type Receiver, startReceiver } from '@growth-channel/testing';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { afterEach } from 'vitest';
import growthChannel, {
  type ClientOptions,
  type GrowthChannelError,
  type GrowthChannelPluginOptions,
  isGrowthChannelError,
} from '../src/index.js';

export const API_KEY = 'gc_test_key_fastify_81d3e0';
export const SESSION_SECRET = 'a-session-secret-of-at-least-32-chars!';
export const COOKIE_SECRET = 'capture-cookie-secret-16+';

/** Tiny backoffs so retries cost milliseconds. */
export const FAST: ClientOptions = { ...FAST_RETRIES, timeoutMs: 2_000 };

/** The example body of the API reference, minus `ref_id` (the one captured is added). */
export const DOCUMENTED_FIELDS = {
  revenue: 123,
  conversion_data: { order_id: 'order_98765', lead_source: 'callrail' },
};

/** Which cookie/session plugins the app registers before Growth Channel. */
export type Plugins = 'none' | 'cookie' | 'session';

export interface TestApp {
  app: FastifyInstance;
  receiver: Receiver;
  /** Everything reported to `onError`. */
  errors: GrowthChannelError[];
}

export interface TestAppOptions {
  plugins?: Plugins;
  /** Capture options; `client` defaults to a fast client pointed at the receiver. */
  options?: GrowthChannelPluginOptions;
  /** Extra client options merged into the default test client. */
  client?: ClientOptions;
  fastify?: FastifyServerOptions;
  /** Runs after the cookie/session plugins and before Growth Channel is registered. */
  before?: (app: FastifyInstance) => void | Promise<void>;
  /** Adds test-specific routes after the common ones. */
  routes?: (app: FastifyInstance) => void;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test, in reverse order of registration. */
export function onCleanup(cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup);
}

/** A receiver that checks {@link API_KEY}; closed after the test. */
export async function receiverForTest(): Promise<Receiver> {
  const receiver = await startReceiver({ apiKey: API_KEY });
  onCleanup(() => receiver.close());
  return receiver;
}

/** Client options pointing at `receiver`, with the right key and fast retries. */
export function clientOptions(receiver: Receiver): ClientOptions {
  return { apiKey: API_KEY, baseUrl: receiver.url, ...FAST };
}

/** Registers the session/cookie plugins a setup needs. */
export async function registerPlugins(app: FastifyInstance, plugins: Plugins): Promise<void> {
  if (plugins === 'none') return;
  await app.register(fastifyCookie);
  if (plugins === 'session') {
    await app.register(fastifySession, { secret: SESSION_SECRET, cookie: { secure: false } });
  }
}

/** Adds the routes every test app has: a landing page, a tracked and an awaited conversion. */
export function addRoutes(app: FastifyInstance): void {
  app.get('/landing', async (request) => ({
    refId: request.gc.refId ?? null,
    refIdSource: request.gc.refIdSource ?? null,
  }));
  app.post('/signup', async (request) => ({
    tracked: request.gc.trackConversion('user_converted', DOCUMENTED_FIELDS),
  }));
  app.post('/purchase', async (request, reply) => {
    try {
      return await request.gc.sendConversion('purchase', { revenue: 49 });
    } catch (error) {
      if (!isGrowthChannelError(error)) throw error;
      return reply.code(502).send({ code: error.code, status: error.status ?? null, message: error.message });
    }
  });
}

/** A Fastify app with Growth Channel registered against a fresh receiver; both closed after the test. */
export async function startApp(setup: TestAppOptions = {}): Promise<TestApp> {
  const receiver = await receiverForTest();
  const errors: GrowthChannelError[] = [];
  const app = Fastify(setup.fastify);
  onCleanup(() => app.close());
  await registerPlugins(app, setup.plugins ?? 'none');
  await setup.before?.(app);
  await app.register(growthChannel, {
    client: { ...clientOptions(receiver), ...setup.client },
    onError: (error) => errors.push(error),
    ...setup.options,
  });
  addRoutes(app);
  setup.routes?.(app);
  await app.ready();
  return { app, receiver, errors };
}

/** A minimal cookie jar: keeps the latest value of each cookie a response set. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Stores the cookies of a `set-cookie` header (a string or an array of them). */
  update(setCookie: string | string[] | undefined): this {
    for (const line of toArray(setCookie)) {
      const pair = line.split(';', 1)[0] as string;
      const eq = pair.indexOf('=');
      this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return this;
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  set(name: string, value: string): this {
    this.#cookies.set(name, value);
    return this;
  }

  /** The `Cookie` request header, or `undefined` when empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Headers to spread into an inject/undici request. */
  headers(): Record<string, string> {
    const cookie = this.header();
    return cookie === undefined ? {} : { cookie };
  }
}

/** A `set-cookie` header as an array of lines. */
export function toArray(header: string | string[] | number | undefined): string[] {
  if (header === undefined) return [];
  return Array.isArray(header) ? header : [String(header)];
}

/** The `set-cookie` line of cookie `name`, or `undefined`. */
export function setCookieLine(
  header: string | string[] | number | undefined,
  name: string,
): string | undefined {
  return toArray(header).find((line) => line.startsWith(`${name}=`));
}
