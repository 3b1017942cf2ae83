import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Receiver, startReceiver } from '@growth-channel/testing';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appendSetCookie,
  type CaptureAdapter,
  type CaptureOptions,
  createCapture,
  type GcContext,
  type GrowthChannelError,
  GrowthChannelValidationError,
  SESSION_KEY,
} from '../src/index.js';
import { API_KEY, FAST } from './helpers.js';

type Req = IncomingMessage & { session?: Record<string, unknown>; gc?: GcContext };

/** The adapter a raw node:http integration (such as Nest's middleware) would write. */
const nodeAdapter: CaptureAdapter<Req, ServerResponse> = {
  query: (req) => req.url,
  cookieHeader: (req) => req.headers.cookie,
  session: (req) => req.session,
  isSecure: (req) => req.headers['x-forwarded-proto'] === 'https',
  setCookie: (res, cookie) => appendSetCookie(res, cookie.header),
};

interface App {
  url: string;
  receiver: Receiver;
  errors: GrowthChannelError[];
  close(): Promise<void>;
}

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A node:http app: capture on every request, `/convert` tracks, `/send` awaits, `/whoami` echoes. */
async function startApp(
  options: CaptureOptions<Req> = {},
  session?: () => Record<string, unknown> | undefined,
): Promise<App> {
  const receiver = await startReceiver({ apiKey: API_KEY });
  const errors: GrowthChannelError[] = [];
  const capture = createCapture<Req, ServerResponse>(
    {
      client: { apiKey: API_KEY, baseUrl: receiver.url, ...FAST },
      onError: (e) => errors.push(e),
      ...options,
    },
    nodeAdapter,
  );
  const server = createServer(async (req: Req, res) => {
    req.session = session?.();
    res.setHeader('set-cookie', 'other=1; Path=/');
    const gc = capture.handle(req, res);
    const path = req.url?.split('?')[0];
    if (path === '/convert') {
      const queued = gc.trackConversion('user_converted', {
        revenue: 10,
        conversion_data: { order_id: 'o1' },
      });
      res.end(JSON.stringify({ queued, refId: gc.refId ?? null }));
    } else if (path === '/send') {
      try {
        res.end(JSON.stringify(await gc.sendConversion('paid')));
      } catch (error) {
        res.statusCode = 500;
        res.end(JSON.stringify({ code: (error as GrowthChannelError).code }));
      }
    } else {
      res.end(JSON.stringify({ refId: gc.refId ?? null, source: gc.refIdSource ?? null }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const app: App = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    receiver,
    errors,
    close: async () => {
      await capture.close(500);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await receiver.close();
    },
  };
  apps.push(app);
  return app;
}

async function get(app: App, path: string, cookie?: string, headers: Record<string, string> = {}) {
  const response = await request(`${app.url}${path}`, {
    headers: { ...(cookie ? { cookie } : {}), ...headers },
  });
  const body = (await response.body.json()) as Record<string, unknown>;
  const raw = response.headers['set-cookie'];
  const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return { status: response.statusCode, body, setCookies };
}

function gcCookie(setCookies: string[]): string | undefined {
  return setCookies.find((c) => c.startsWith('gc_ref_id='));
}

function cookiePair(setCookie: string | undefined): string {
  return (setCookie ?? '').split(';')[0] ?? '';
}

describe('capture with a cookie', () => {
  it('captures on landing, keeps other Set-Cookie headers, and converts later from the cookie', async () => {
    const app = await startApp();
    const landing = await get(app, '/landing?ref_id=abc');
    expect(landing.body).toEqual({ refId: 'abc', source: 'query' });
    expect(landing.setCookies).toContain('other=1; Path=/');
    const setCookie = gcCookie(landing.setCookies);
    expect(setCookie).toMatch(
      /^gc_ref_id=v1\.[0-9a-z]+\.abc; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/,
    );

    const later = await get(app, '/convert', cookiePair(setCookie));
    expect(later.body).toEqual({ queued: true, refId: 'abc' });
    const [postback] = await app.receiver.waitForPostbacks(1);
    expect(postback).toEqual({
      ref_id: 'abc',
      event_name: 'user_converted',
      revenue: 10,
      conversion_data: { order_id: 'o1' },
    });
  });

  it('sets Secure when the request is secure, and follows cookie options', async () => {
    const app = await startApp({
      maxAgeDays: 7,
      cookie: { name: 'gc', domain: '.shop.example', path: '/app', sameSite: 'strict', httpOnly: false },
    });
    const secure = await get(app, '/l?ref_id=abc', undefined, { 'x-forwarded-proto': 'https' });
    expect(secure.setCookies.find((c) => c.startsWith('gc='))).toMatch(
      /^gc=[^;]+; Max-Age=604800; Path=\/app; Domain=\.shop\.example; Secure; SameSite=Strict$/,
    );
  });

  it('always marks a SameSite=None cookie Secure, as browsers require', async () => {
    const app = await startApp({ cookie: { sameSite: 'none' } });
    const landing = await get(app, '/l?ref_id=abc');
    expect(gcCookie(landing.setCookies)).toMatch(/; Secure; SameSite=None$/);
  });

  it('sends nothing without a ref_id, and says so', async () => {
    const app = await startApp();
    const response = await get(app, '/convert');
    expect(response.body).toEqual({ queued: false, refId: null });
    expect(gcCookie(response.setCookies)).toBeUndefined();
    const send = await get(app, '/send');
    expect(send.body).toEqual({ code: 'GC_ERR_NO_REF_ID' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(app.receiver.requests).toHaveLength(0);
  });

  it('does not store hostile ref_ids', async () => {
    const app = await startApp();
    for (const hostile of ['<script>', 'a b', 'a"b', 'x'.repeat(300), '%00', 'a;b']) {
      const response = await get(app, `/l?ref_id=${encodeURIComponent(hostile)}`);
      expect(response.body.refId).toBeNull();
      expect(gcCookie(response.setCookies)).toBeUndefined();
    }
  });

  it('last touch: a new ref_id replaces the stored one', async () => {
    const app = await startApp();
    const first = gcCookie((await get(app, '/l?ref_id=first')).setCookies);
    const second = await get(app, '/l?ref_id=second', cookiePair(first));
    expect(second.body.refId).toBe('second');
    expect((await get(app, '/whoami', cookiePair(gcCookie(second.setCookies)))).body.refId).toBe('second');
  });

  it('first touch: the first ref_id is kept, and a new one is not written', async () => {
    const app = await startApp({ attribution: 'first' });
    const first = gcCookie((await get(app, '/l?ref_id=first')).setCookies);
    const second = await get(app, '/l?ref_id=second', cookiePair(first));
    expect(second.body).toEqual({ refId: 'first', source: 'cookie' });
    expect(gcCookie(second.setCookies)).toBeUndefined();
  });

  it('ignores a cookie outside the attribution window', async () => {
    const app = await startApp({ maxAgeDays: 1 });
    const old = `v1.${(Date.now() - 2 * 86_400_000).toString(36)}.stale`;
    expect((await get(app, '/whoami', `gc_ref_id=${old}`)).body.refId).toBeNull();
    const fresh = `v1.${(Date.now() - 3_600_000).toString(36)}.fresh`;
    expect((await get(app, '/whoami', `gc_ref_id=${fresh}`)).body.refId).toBe('fresh');
  });

  it('ignores malformed cookies and forged invalid values without breaking the request', async () => {
    const app = await startApp();
    for (const cookie of [
      'gc_ref_id=%E0%A4%A',
      'gc_ref_id=garbage',
      `gc_ref_id=v1.zzzzzz.${encodeURIComponent('<x>')}`,
      ';;==;',
    ]) {
      const response = await get(app, '/whoami', cookie);
      expect(response.status).toBe(200);
      expect(response.body.refId).toBeNull();
    }
  });

  it('signed cookies: a valid signature is read, a tampered or unsigned cookie is ignored', async () => {
    const secret = 'a-long-enough-cookie-secret-0123';
    const app = await startApp({ secret });
    const setCookie = gcCookie((await get(app, '/l?ref_id=abc')).setCookies);
    const pair = cookiePair(setCookie);
    expect((await get(app, '/whoami', pair)).body.refId).toBe('abc');
    const tampered = pair.replace('abc', 'abd');
    expect((await get(app, '/whoami', tampered)).body.refId).toBeNull();
    const unsigned = `gc_ref_id=v1.${Date.now().toString(36)}.abc`;
    expect((await get(app, '/whoami', unsigned)).body.refId).toBeNull();
    // Rotation: a cookie signed with the old secret is still read when it is listed second.
    const rotated = await startApp({ secret: ['a-brand-new-secret-456789abcdef', secret] });
    expect((await get(rotated, '/whoami', pair)).body.refId).toBe('abc');
  });

  it('consent: nothing stored and nothing sent without it', async () => {
    const app = await startApp({ consent: (req) => req.headers['x-consent'] === 'yes' });
    const landing = await get(app, '/l?ref_id=abc');
    expect(landing.body.refId).toBeNull();
    expect(gcCookie(landing.setCookies)).toBeUndefined();
    const withConsent = await get(app, '/l?ref_id=abc', undefined, { 'x-consent': 'yes' });
    const pair = cookiePair(gcCookie(withConsent.setCookies));
    expect((await get(app, '/convert', pair)).body.queued).toBe(false);
    expect((await get(app, '/convert', pair, { 'x-consent': 'yes' })).body.queued).toBe(true);
    await app.receiver.waitForPostbacks(1);
  });

  it('asks the consent callback once per request, however often the request reads it', async () => {
    let calls = 0;
    const app = await startApp({
      consent: () => {
        calls++;
        return true;
      },
    });
    await get(app, '/convert?ref_id=abc');
    expect(calls).toBe(1);
    await app.receiver.waitForPostbacks(1);
  });

  it('a throwing consent callback counts as no consent and is reported', async () => {
    const app = await startApp({
      consent: () => {
        throw new Error('cmp not loaded');
      },
    });
    expect((await get(app, '/convert?ref_id=abc')).body).toEqual({ queued: false, refId: null });
    expect(app.errors.map((e) => e.code)).toEqual(['GC_ERR_CAPTURE']);
  });

  it("storage 'none' keeps nothing but still sends from the query", async () => {
    const app = await startApp({ storage: 'none' });
    const response = await get(app, '/convert?ref_id=abc');
    expect(response.body).toEqual({ queued: true, refId: 'abc' });
    expect(gcCookie(response.setCookies)).toBeUndefined();
    await app.receiver.waitForPostbacks(1);
  });

  it('adds the default tracker_id; a conversion sent with sendConversion waits for delivery', async () => {
    const app = await startApp({ trackerId: 'trk-1' });
    const send = await get(app, '/send?ref_id=abc');
    expect(send.body).toEqual({ status: 'ok' });
    expect(app.receiver.postbacks).toEqual([{ ref_id: 'abc', event_name: 'paid', tracker_id: 'trk-1' }]);
  });
});

describe('capture with a session', () => {
  it('stores in the session when the request has one (auto), and reads it back', async () => {
    const store: Record<string, unknown> = {};
    const app = await startApp({}, () => store);
    const landing = await get(app, '/l?ref_id=abc');
    expect(gcCookie(landing.setCookies)).toBeUndefined();
    expect(store[SESSION_KEY]).toMatchObject({ refId: 'abc' });
    expect((await get(app, '/whoami')).body).toEqual({ refId: 'abc', source: 'session' });
  });

  it('uses get/set sessions (Fastify style)', async () => {
    const map = new Map<string, unknown>();
    const session = {
      get: (key: string) => map.get(key),
      set: (key: string, value: unknown) => map.set(key, value),
    };
    const app = await startApp({}, () => session as never);
    await get(app, '/l?ref_id=abc');
    expect(map.get(SESSION_KEY)).toMatchObject({ refId: 'abc' });
    expect((await get(app, '/convert')).body).toEqual({ queued: true, refId: 'abc' });
  });

  it('auto: a landing stored in the cookie before a session existed is still read once it does', async () => {
    // As with a session middleware mounted after capture: no session at landing, one afterwards.
    let landed = false;
    const store: Record<string, unknown> = {};
    const app = await startApp({}, () => (landed ? store : undefined));
    const landing = await get(app, '/l?ref_id=abc');
    landed = true;
    const pair = cookiePair(gcCookie(landing.setCookies));
    expect((await get(app, '/convert', pair)).body).toEqual({ queued: true, refId: 'abc' });
    await app.receiver.waitForPostbacks(1);
  });

  it("storage 'session' without a session stores nothing and does not fail the request", async () => {
    const app = await startApp({ storage: 'session' });
    const landing = await get(app, '/l?ref_id=abc');
    expect(landing.status).toBe(200);
    expect(gcCookie(landing.setCookies)).toBeUndefined();
    expect((await get(app, '/whoami')).body.refId).toBeNull();
  });

  it('a throwing session store is reported and the request goes on', async () => {
    const session = {
      get: () => {
        throw new Error('store down');
      },
      set: () => {
        throw new Error('store down');
      },
    };
    const app = await startApp({}, () => session as never);
    const landing = await get(app, '/l?ref_id=abc');
    expect(landing.status).toBe(200);
    expect(app.errors.map((e) => e.code)).toContain('GC_ERR_CAPTURE');
  });
});

describe('capture options', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['unknown option', { storge: 'cookie' }, /unknown option `storge`/],
    ['bad storage', { storage: 'redis' }, /`storage` must be one of/],
    ['bad attribution', { attribution: 'middle' }, /`attribution`/],
    ['zero maxAgeDays', { maxAgeDays: 0 }, /`maxAgeDays`/],
    ['bad cookie name', { cookie: { name: 'a b' } }, /`cookie.name`/],
    ['unknown cookie option', { cookie: { maxAge: 1 } }, /unknown option `cookie.maxAge`/],
    ['sameSite none without secure', { cookie: { sameSite: 'none', secure: false } }, /Secure/],
    ['short secret', { secret: 'short' }, /`secret` must be .* at least 16/],
    ['bad param', { param: [] }, /`param`/],
    ['bad client', { client: 'x' }, /`client`/],
  ])('rejects %s, naming the option after the package', (_name, options, pattern) => {
    expect(() => createCapture(options as never, nodeAdapter, '@growth-channel/test')).toThrow(pattern);
    expect(() => createCapture(options as never, nodeAdapter, '@growth-channel/test')).toThrow(
      /^@growth-channel\/test: /,
    );
  });

  it('names a bad client option as `client.<name>`, under the package name', () => {
    expect(() => createCapture({ client: { timeoutMs: -1 } }, nodeAdapter, '@growth-channel/test')).toThrow(
      /^@growth-channel\/test: `client\.timeoutMs` must be an integer from 1 to 2147483647/,
    );
    expect(() =>
      createCapture({ client: { apikey: 'x' } as never }, nodeAdapter, '@growth-channel/test'),
    ).toThrow(/^@growth-channel\/test: unknown option `client\.apikey`/);
  });

  it('refuses non-object fields with a validation error, from sendConversion and to onError', async () => {
    const errors: GrowthChannelError[] = [];
    const capture = createCapture({ client: { apiKey: 'k' }, onError: (e) => errors.push(e) }, nodeAdapter);
    const gc = capture.handle(
      { url: '/?ref_id=abc', headers: {} } as Req,
      { setHeader() {}, getHeader() {} } as never,
    );
    await expect(gc.sendConversion('x', 42 as never)).rejects.toBeInstanceOf(GrowthChannelValidationError);
    expect(gc.trackConversion('x', 'oops' as never)).toBe(false);
    expect(errors[0]).toBeInstanceOf(GrowthChannelValidationError);
    await capture.close(0);
  });

  it('exposes the client on every request context, and reports adapter failures through onError', () => {
    const errors: GrowthChannelError[] = [];
    const capture = createCapture({ client: { apiKey: 'k' }, onError: (e) => errors.push(e) }, nodeAdapter);
    const fakeReq = { url: '/', headers: {} } as Req;
    expect(capture.handle(fakeReq, {} as ServerResponse).client).toBe(capture.client);
    capture.reportCaptureError('the adapter failed', new Error('boom'));
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['GC_ERR_CAPTURE', 'Capture: the adapter failed.'],
    ]);
  });

  it('does not mutate the options it is given', () => {
    const options = Object.freeze({
      cookie: Object.freeze({ name: 'x' }),
      client: Object.freeze({ apiKey: 'k' }),
    });
    expect(() => createCapture(options, nodeAdapter)).not.toThrow();
  });
});
