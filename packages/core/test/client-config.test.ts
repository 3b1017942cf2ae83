import { inspect } from 'node:util';
import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  createCapture,
  createClient,
  DEFAULT_BASE_URL,
  type GrowthChannelError,
  POSTBACK_PATH,
} from '../src/index.js';
import { API_KEY, FAST, rejection, setup } from './helpers.js';

describe('client configuration', () => {
  it('reads the key and base URL from the environment, defaulting to the documented origin', () => {
    expect(createClient({ env: {} }).endpoint).toBe(`${DEFAULT_BASE_URL}${POSTBACK_PATH}`);
    expect(createClient({ env: { GROWTH_CHANNEL_BASE_URL: 'https://gc.example' } }).endpoint).toBe(
      `https://gc.example${POSTBACK_PATH}`,
    );
  });

  it('uses GROWTH_CHANNEL_API_KEY when apiKey is not given', async () => {
    const { receiver } = await setup();
    const client = createClient({ env: { GROWTH_CHANNEL_API_KEY: API_KEY }, baseUrl: receiver.url });
    await expect(client.send({ ref_id: 'r' })).resolves.toEqual({ status: 'ok' });
    await client.close();
  });

  it('reports a missing key at the first send, naming the option and the variable', async () => {
    const errors: GrowthChannelError[] = [];
    const client = createClient({ env: {}, onError: (error) => errors.push(error) });
    const error = await rejection(client.send({ ref_id: 'r' }));
    expect(error.code).toBe('GC_ERR_CONFIG');
    expect(error.message).toMatch(/`apiKey`.*GROWTH_CHANNEL_API_KEY/);
    expect(client.track({ ref_id: 'r' })).toBe(false);
    expect(errors.map((e) => e.code)).toEqual(['GC_ERR_CONFIG']);
    await client.close();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['unknown option', { apikey: 'x' }, /unknown option `apikey`/],
    ['non-URL baseUrl', { baseUrl: 'not a url' }, /`baseUrl`.*absolute http\(s\) URL/],
    ['ftp baseUrl', { baseUrl: 'ftp://x.example' }, /http: or https:/],
    ['credentials in baseUrl', { baseUrl: 'https://user:pw@x.example' }, /credentials/],
    ['query in baseUrl', { baseUrl: 'https://x.example/?a=1' }, /query/],
    ['negative timeoutMs', { timeoutMs: -1 }, /`timeoutMs` must be an integer from 1 to 2147483647/],
    ['fractional maxRetries', { maxRetries: 1.5 }, /`maxRetries`/],
    ['zero maxConcurrency', { maxConcurrency: 0 }, /`maxConcurrency`/],
    ['string maxQueueSize', { maxQueueSize: '10' }, /`maxQueueSize`/],
    [
      'backoffMaxMs below base',
      { backoffBaseMs: 100, backoffMaxMs: 10 },
      /`backoffMaxMs` must be an integer from 100 to/,
    ],
    ['non-function onError', { onError: 'log' }, /`onError` must be a function/],
    ['non-dispatcher', { dispatcher: {} }, /`dispatcher` must be an undici Dispatcher/],
  ])('rejects %s with a message naming the option', (_name, options, pattern) => {
    expect(() => createClient(options as never)).toThrow(pattern);
    try {
      createClient(options as never);
    } catch (error) {
      expect((error as GrowthChannelError).code).toBe('GC_ERR_CONFIG');
      expect((error as Error).message).toMatch(/^@growth-channel\/core: /);
    }
  });

  it('refuses a malformed key without echoing it', () => {
    const key = 'secret-with\nnewline';
    expect(() => createClient({ apiKey: key })).toThrow(/stray newline/);
    try {
      createClient({ apiKey: key });
    } catch (error) {
      expect(inspect(error, { depth: null, showHidden: true })).not.toContain('secret-with');
    }
  });

  it('warns once through the logger when the key would travel over plain http to a remote host', () => {
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) };
    createClient({ apiKey: 'k', logger, env: {} });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/plain http/);
    createClient({ apiKey: 'k', logger, baseUrl: 'https://gc.example' });
    createClient({ apiKey: 'k', logger, baseUrl: 'http://127.0.0.1:9999' });
    createClient({ apiKey: 'k', logger, baseUrl: 'http://localhost:9999' });
    createClient({ apiKey: 'k', logger, baseUrl: 'http://[::1]:9999' });
    expect(warnings).toHaveLength(1);
  });
});

describe('the API key stays secret', () => {
  it('is scrubbed from dispatcher errors that print request headers (MockAgent)', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get('http://gc.example').intercept({ path: '/elsewhere', method: 'POST' }).reply(200, {});
    const client = createClient({
      apiKey: API_KEY,
      baseUrl: 'http://gc.example',
      dispatcher: agent,
      maxRetries: 0,
    });
    const error = await rejection(client.send({ ref_id: 'r' }));
    await client.close();
    await agent.close();
    expect(error.code).toBe('GC_ERR_NETWORK');
    expect(inspect(error, { depth: null, showHidden: true })).not.toContain(API_KEY);
  });

  it('is absent from an inspected or serialised capture', () => {
    const capture = createCapture(
      { client: { apiKey: API_KEY, baseUrl: 'http://127.0.0.1:9' } },
      {
        query: () => undefined,
        cookieHeader: () => undefined,
        session: () => undefined,
        isSecure: () => false,
        setCookie: () => {},
      },
    );
    expect(inspect(capture, { depth: null, showHidden: true })).not.toContain(API_KEY);
    expect(JSON.stringify((capture as unknown as { options: unknown }).options)).not.toContain(API_KEY);
    void capture.close(0);
  });

  it('is absent from inspect and JSON of the client, from errors, and from every log line', async () => {
    const { receiver } = await setup();
    const lines: string[] = [];
    const logger = {
      debug: (message: string, details?: Record<string, unknown>) => lines.push(message, inspect(details)),
      warn: (message: string, details?: Record<string, unknown>) => lines.push(message, inspect(details)),
    };
    const errors: GrowthChannelError[] = [];
    const client = createClient({
      apiKey: API_KEY,
      baseUrl: receiver.url,
      ...FAST,
      maxRetries: 1,
      logger,
      onError: (error) => errors.push(error),
    });
    // An endpoint that echoes the key back must not get it into an error either.
    receiver.inject({ status: 500, body: `bad key ${API_KEY}` });
    receiver.inject({ status: 400, body: `bad key ${API_KEY}` });
    client.track({ ref_id: 'r' });
    receiver.inject({ reset: true, times: 2 });
    client.track({ ref_id: 'r2' });
    await client.flush();
    expect(errors.length).toBe(2);
    const everything = [
      inspect(client, { depth: null, showHidden: true }),
      JSON.stringify(client),
      ...errors.map((error) => inspect(error, { depth: null, showHidden: true })),
      ...errors.map((error) => JSON.stringify(error)),
      ...lines,
    ].join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(everything).toContain('[redacted]');
    expect(everything).not.toContain(API_KEY);
    await client.close();
  });
});
