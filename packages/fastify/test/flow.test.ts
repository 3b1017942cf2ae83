import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { GrowthChannelPluginOptions } from '../src/index.js';
import { COOKIE_SECRET, CookieJar, DOCUMENTED_FIELDS, type Plugins, startApp } from './helpers.js';

const CAPTURE_COOKIE = 'gc_ref_id';
const DOCUMENTED_BODY = { ref_id: 'abc123xyz', event_name: 'user_converted', ...DOCUMENTED_FIELDS };

interface Setup {
  name: string;
  plugins: Plugins;
  options?: GrowthChannelPluginOptions;
  /** The cookie the landing response must set: the capture cookie, or the session's. */
  cookie: string;
  storedIn: 'cookie' | 'session';
}

const setups: Setup[] = [
  { name: 'with @fastify/cookie only', plugins: 'cookie', cookie: CAPTURE_COOKIE, storedIn: 'cookie' },
  { name: 'with @fastify/session', plugins: 'session', cookie: 'sessionId', storedIn: 'session' },
  { name: 'with no cookie plugin at all', plugins: 'none', cookie: CAPTURE_COOKIE, storedIn: 'cookie' },
  {
    name: 'with a signed capture cookie',
    plugins: 'none',
    options: { secret: COOKIE_SECRET },
    cookie: CAPTURE_COOKIE,
    storedIn: 'cookie',
  },
];

describe.each(setups)('the whole flow $name', ({ plugins, options, cookie, storedIn }) => {
  it('lands, converts, and the receiver gets exactly the documented body with the key header', async () => {
    const { app, receiver, errors } = await startApp({ plugins, ...(options && { options }) });
    const jar = new CookieJar();

    const landing = await app.inject({ method: 'GET', url: '/landing?utm_source=ads&ref_id=abc123xyz' });
    expect(landing.statusCode).toBe(200);
    expect(landing.json()).toEqual({ refId: 'abc123xyz', refIdSource: 'query' });
    jar.update(landing.headers['set-cookie']);
    expect(jar.get(cookie)).toBeDefined();
    if (storedIn === 'session') expect(jar.get(CAPTURE_COOKIE)).toBeUndefined();

    const revisit = await app.inject({ method: 'GET', url: '/landing', headers: jar.headers() });
    expect(revisit.json()).toEqual({ refId: 'abc123xyz', refIdSource: storedIn });

    const signup = await app.inject({ method: 'POST', url: '/signup', headers: jar.headers() });
    expect(signup.json()).toEqual({ tracked: true });
    await receiver.waitForPostbacks(1);

    expect(receiver.postbacks).toEqual([DOCUMENTED_BODY]);
    const [received] = receiver.requests;
    expect(received).toMatchObject({
      method: 'POST',
      path: '/api/public/growth-channel-postback/',
      status: 200,
      accepted: true,
    });
    expect(received?.headers['x-api-key']).toBe('[redacted]');
    expect(received?.headers['content-type']).toMatch(/^application\/json/);
    expect(errors).toEqual([]);
  });

  it('sendConversion awaits delivery and answers with the endpoint reply', async () => {
    const { app, receiver } = await startApp({ plugins, ...(options && { options }) });
    const jar = new CookieJar();
    jar.update((await app.inject({ url: '/landing?ref_id=order-42' })).headers['set-cookie']);

    const purchase = await app.inject({ method: 'POST', url: '/purchase', headers: jar.headers() });

    expect(purchase.statusCode).toBe(200);
    expect(purchase.json()).toEqual({ status: 'ok' });
    // Already there when the response is: sendConversion waited for it.
    expect(receiver.postbacks).toEqual([{ ref_id: 'order-42', event_name: 'purchase', revenue: 49 }]);
  });
});

describe('a signed capture cookie', () => {
  it('is ignored when tampered with or unsigned, and nothing is sent', async () => {
    const { app, receiver } = await startApp({ options: { secret: COOKIE_SECRET } });
    const landing = await app.inject({ url: '/landing?ref_id=abc123xyz' });
    const signed = new CookieJar().update(landing.headers['set-cookie']).get(CAPTURE_COOKIE) as string;
    const [version, time, rest] = decodeURIComponent(signed).split('.');
    expect(rest).toBe('abc123xyz');

    const forged = `${version}.${time}.evil-id.${decodeURIComponent(signed).split('.').pop()}`;
    const unsigned = `${version}.${time}.abc123xyz`;
    for (const value of [forged, unsigned]) {
      const jar = new CookieJar().set(CAPTURE_COOKIE, encodeURIComponent(value));
      const page = await app.inject({ url: '/landing', headers: jar.headers() });
      expect(page.json()).toEqual({ refId: null, refIdSource: null });
      const signup = await app.inject({ method: 'POST', url: '/signup', headers: jar.headers() });
      expect(signup.json()).toEqual({ tracked: false });
    }

    await app.close();
    expect(receiver.requests).toEqual([]);
  });
});

describe('over a real socket', () => {
  it('captures on landing and delivers the conversion (listen + undici)', async () => {
    const { app, receiver } = await startApp({ plugins: 'cookie' });
    const origin = await app.listen({ port: 0, host: '127.0.0.1' });

    const landing = await request(`${origin}/landing?ref_id=abc123xyz`);
    expect(landing.statusCode).toBe(200);
    expect(await landing.body.json()).toEqual({ refId: 'abc123xyz', refIdSource: 'query' });
    const jar = new CookieJar().update(landing.headers['set-cookie']);

    const signup = await request(`${origin}/signup`, { method: 'POST', headers: jar.headers() });
    expect(await signup.body.json()).toEqual({ tracked: true });

    await receiver.waitForPostbacks(1);
    expect(receiver.postbacks).toEqual([DOCUMENTED_BODY]);
  });
});
