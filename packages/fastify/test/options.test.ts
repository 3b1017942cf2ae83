import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import growthChannel, {
  createClient,
  GrowthChannelConfigError,
  type GrowthChannelPluginOptions,
} from '../src/index.js';
import { addRoutes, clientOptions, onCleanup, receiverForTest } from './helpers.js';

/** Registers the plugin with `options` and returns what `app.ready()` rejected with (or undefined). */
async function registrationError(options: unknown): Promise<unknown> {
  const app = Fastify();
  onCleanup(() => app.close());
  app.register(growthChannel, options as GrowthChannelPluginOptions);
  return app.ready().then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** A valid client for tests that are about other options. */
const client = { apiKey: 'key', baseUrl: 'http://127.0.0.1:9' };

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('plugin options', () => {
  describe('valid options', () => {
    it('none at all: the client reads GROWTH_CHANNEL_API_KEY and GROWTH_CHANNEL_BASE_URL', async () => {
      const receiver = await receiverForTest();
      const { apiKey, baseUrl } = clientOptions(receiver);
      vi.stubEnv('GROWTH_CHANNEL_API_KEY', apiKey as string);
      vi.stubEnv('GROWTH_CHANNEL_BASE_URL', String(baseUrl));
      const app = Fastify();
      onCleanup(() => app.close());
      await app.register(growthChannel);
      addRoutes(app);

      await app.inject({ method: 'POST', url: '/purchase?ref_id=abc123xyz' });

      expect(app.gc.endpoint).toBe(`${receiver.url}/api/public/growth-channel-postback/`);
      expect(receiver.postbacks).toEqual([{ ref_id: 'abc123xyz', event_name: 'purchase', revenue: 49 }]);
    });

    it('`client` may be a client from createClient(), which becomes app.gc', async () => {
      const own = createClient(client);
      onCleanup(() => own.close());
      const app = Fastify();
      onCleanup(() => app.close());
      await app.register(growthChannel, { client: own });
      expect(app.gc).toBe(own);
    });

    it("accept Fastify's own register options (prefix, logLevel) alongside the plugin's", async () => {
      await expect(registrationError({ client, prefix: '/x', logLevel: 'warn' })).resolves.toBeUndefined();
    });

    it('are never mutated: a frozen options object works and stays as it was', async () => {
      const cookie = Object.freeze({ name: 'ref', sameSite: 'strict' as const });
      const options = Object.freeze({ client: Object.freeze({ ...client }), cookie, maxAgeDays: 7 });
      const snapshot = JSON.stringify(options);

      await expect(registrationError(options)).resolves.toBeUndefined();
      expect(JSON.stringify(options)).toBe(snapshot);
    });
  });

  describe('invalid options make registration (and app.ready()) reject with a GrowthChannelConfigError', () => {
    it.each<[string, unknown, RegExp]>([
      [
        'an unknown option, naming it and listing the allowed ones',
        { apiKey: 'k' },
        /unknown option `apiKey`; allowed: client, param, validate, storage/,
      ],
      [
        'a misspelt cookie option',
        { cookie: { sameSight: 'lax' } },
        /unknown option `cookie\.sameSight`; allowed: name, domain/,
      ],
      [
        '`client` that is neither a client nor options',
        { client: 42 },
        /`client` must be a client from createClient\(\) or an object of client options/,
      ],
      [
        'an unknown client option, naming it as `client.<name>`',
        { client: { apiKey: 'k', retries: 3 } },
        /^@growth-channel\/fastify: unknown option `client\.retries`; allowed: apiKey, baseUrl/,
      ],
      [
        'a client baseUrl that is not a URL',
        { client: { baseUrl: 'gc-api' } },
        /^@growth-channel\/fastify: `client\.baseUrl` \(or GROWTH_CHANNEL_BASE_URL\) must be an absolute http\(s\) URL/,
      ],
      ['an empty `param`', { param: '' }, /`param` must be a non-empty string or a non-empty array/],
      ['a `validate` that is not a function', { validate: /^[a-z]+$/ }, /`validate` must be a function/],
      [
        "`storage` other than 'auto', 'session', 'cookie', 'none'",
        { storage: 'redis' },
        /`storage` must be one of 'auto', 'session', 'cookie', 'none'/,
      ],
      [
        "`attribution` other than 'last' or 'first'",
        { attribution: 'linear' },
        /`attribution` must be 'last' or 'first'/,
      ],
      ['`maxAgeDays` of 0', { maxAgeDays: 0 }, /`maxAgeDays` must be a number of days > 0 and <= 400/],
      [
        '`maxAgeDays` over the 400-day browser cap',
        { maxAgeDays: 401 },
        /`maxAgeDays` must be a number of days > 0 and <= 400/,
      ],
      [
        'a cookie name that is not a token',
        { cookie: { name: 'gc ref' } },
        /`cookie\.name` must be a valid cookie name token/,
      ],
      [
        "a cookie path that does not start with '/'",
        { cookie: { path: 'shop' } },
        /`cookie\.path` must start with '\/'/,
      ],
      [
        'a cookie path that could inject an attribute',
        { cookie: { path: '/;Domain=evil' } },
        /`cookie\.path` must start with '\/' and contain no ';'/,
      ],
      [
        "`cookie.sameSite: 'none'` without Secure",
        { cookie: { sameSite: 'none', secure: false } },
        /`cookie\.sameSite: 'none'` needs a Secure cookie/,
      ],
      [
        'a `secret` shorter than 16 characters',
        { secret: 'short' },
        /`secret` must be a string \(or array of strings\) of at least 16 characters/,
      ],
      ['an empty `secret` array', { secret: [] }, /`secret` must be a string \(or array of strings\)/],
      [
        'a `consent` that is not a function',
        { consent: true },
        /`consent` must be a function \(req\) => boolean/,
      ],
      ['an empty `trackerId`', { trackerId: '' }, /`trackerId` must be a non-empty string/],
      ['an `onError` that is not a function', { onError: 'log' }, /`onError` must be a function/],
      [
        'a `logger` that is not an object',
        { logger: 'console' },
        /`logger` must be an object with optional `debug` and `warn` methods/,
      ],
    ])('rejects %s', async (_name, options, message) => {
      const error = await registrationError({ client, ...(options as object) });

      expect(error).toBeInstanceOf(GrowthChannelConfigError);
      expect((error as GrowthChannelConfigError).code).toBe('GC_ERR_CONFIG');
      expect((error as Error).message).toMatch(/^@growth-channel\/fastify: /);
      expect((error as Error).message).toMatch(message);
    });

    it('never echoes a malformed API key in the message', async () => {
      const error = await registrationError({ client: { apiKey: 'secret-key\n' } });
      expect((error as Error).message).toMatch(/^@growth-channel\/fastify: `client\.apiKey`/);
      expect((error as Error).message).not.toContain('secret-key');
    });
  });
});
