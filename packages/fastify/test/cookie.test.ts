import { describe, expect, it } from 'vitest';
import { type Plugins, setCookieLine, startApp, toArray } from './helpers.js';

/** Attributes of a set-cookie line, lower-cased names, `true` for flags. */
function attributes(line: string | undefined): Record<string, string | true> {
  expect(line).toBeDefined();
  const [, ...parts] = (line as string).split(';');
  return Object.fromEntries(
    parts.map((part) => {
      const [name, value] = part.trim().split('=');
      return [(name as string).toLowerCase(), value ?? true];
    }),
  );
}

const writers: { name: string; plugins: Plugins }[] = [
  { name: 'written by core (no cookie plugin)', plugins: 'none' },
  { name: 'written through @fastify/cookie', plugins: 'cookie' },
];

describe.each(writers)('the capture cookie $name', ({ plugins }) => {
  it('defaults to gc_ref_id, 30 days, Path=/, HttpOnly, SameSite=Lax, no Domain, no Secure over http', async () => {
    const { app } = await startApp({ plugins });
    const response = await app.inject({ url: '/landing?ref_id=abc123xyz' });
    const line = setCookieLine(response.headers['set-cookie'], 'gc_ref_id');

    expect(attributes(line)).toEqual({ 'max-age': '2592000', path: '/', httponly: true, samesite: 'Lax' });
    expect(line).toMatch(/^gc_ref_id=v1\.[0-9a-z]+\.abc123xyz;/);
  });

  it('follows the cookie options and maxAgeDays', async () => {
    const { app } = await startApp({
      plugins,
      options: {
        maxAgeDays: 7,
        cookie: { name: 'ref', domain: '.shop.example', path: '/shop', sameSite: 'strict', httpOnly: false },
      },
    });
    const response = await app.inject({ url: '/landing?ref_id=abc123xyz' });

    expect(setCookieLine(response.headers['set-cookie'], 'gc_ref_id')).toBeUndefined();
    expect(attributes(setCookieLine(response.headers['set-cookie'], 'ref'))).toEqual({
      'max-age': '604800',
      domain: '.shop.example',
      path: '/shop',
      samesite: 'Strict',
    });
  });

  it("is Secure with secure: 'auto' when a trusted proxy says https, and not when the proxy is not trusted", async () => {
    const trusted = await startApp({ plugins, fastify: { trustProxy: true } });
    const untrusted = await startApp({ plugins });
    const headers = { 'x-forwarded-proto': 'https' };

    const behindProxy = await trusted.app.inject({ url: '/landing?ref_id=abc', headers });
    const spoofed = await untrusted.app.inject({ url: '/landing?ref_id=abc', headers });

    expect(attributes(setCookieLine(behindProxy.headers['set-cookie'], 'gc_ref_id')).secure).toBe(true);
    expect(attributes(setCookieLine(spoofed.headers['set-cookie'], 'gc_ref_id')).secure).toBeUndefined();
  });

  it('is Secure with secure: true, and SameSite=None is allowed with it', async () => {
    const { app } = await startApp({ plugins, options: { cookie: { secure: true, sameSite: 'none' } } });
    const response = await app.inject({ url: '/landing?ref_id=abc' });

    expect(attributes(setCookieLine(response.headers['set-cookie'], 'gc_ref_id'))).toMatchObject({
      secure: true,
      samesite: 'None',
    });
  });

  it('keeps the Set-Cookie headers of other hooks, plugins and the handler', async () => {
    const { app } = await startApp({
      plugins,
      before: (app) => {
        app.addHook('onRequest', async (_request, reply) => {
          reply.header('set-cookie', 'early=1; Path=/');
        });
      },
      routes: (app) => {
        app.addHook('onRequest', async (_request, reply) => {
          reply.header('set-cookie', ['late=2; Path=/', 'later=3; Path=/']);
        });
        app.get('/landing-with-cookies', async (_request, reply) => {
          reply.header('set-cookie', 'handler=4; Path=/');
          const withPlugin = reply as typeof reply & { setCookie?: (name: string, value: string) => unknown };
          withPlugin.setCookie?.('plugin', '5');
          return 'ok';
        });
      },
    });

    const response = await app.inject({ url: '/landing-with-cookies?ref_id=abc123xyz' });
    const names = toArray(response.headers['set-cookie']).map((line) => line.split('=', 1)[0]);

    const expected = ['early', 'late', 'later', 'handler', 'gc_ref_id'];
    if (plugins === 'cookie') expected.push('plugin');
    expect(names.sort()).toEqual(expected.sort());
  });
});

describe('the capture cookie with @fastify/cookie parseOptions defaults', () => {
  it('is not signed again, nor re-encoded, by the app-wide cookie settings', async () => {
    const { app } = await startApp({
      plugins: 'none',
      before: async (app) => {
        const fastifyCookie = (await import('@fastify/cookie')).default;
        await app.register(fastifyCookie, {
          secret: 'app-cookie-secret',
          parseOptions: { signed: true, encode: (value: string) => `x${value}` },
        });
      },
      options: { param: 'ref' },
    });
    const response = await app.inject({ url: '/landing?ref=a:b/c%2Bd=' });
    const line = setCookieLine(response.headers['set-cookie'], 'gc_ref_id') as string;
    expect(line).toMatch(/^gc_ref_id=v1\.[0-9a-z]+\.a%3Ab%2Fc%2Bd%3D;/);

    const cookie = line.split(';', 1)[0] as string;
    const again = await app.inject({ url: '/landing', headers: { cookie } });
    expect(again.json()).toEqual({ refId: 'a:b/c+d=', refIdSource: 'cookie' });
  });
});
