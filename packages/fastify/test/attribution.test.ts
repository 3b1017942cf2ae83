import { describe, expect, it } from 'vitest';
import { CookieJar, type Plugins, setCookieLine, startApp } from './helpers.js';

const stores: { name: string; plugins: Plugins }[] = [
  { name: 'in a cookie', plugins: 'none' },
  { name: 'in a cookie through @fastify/cookie', plugins: 'cookie' },
  { name: 'in the session', plugins: 'session' },
];

describe.each(stores)('attribution with the ref_id stored $name', ({ plugins }) => {
  it('last touch (default): a new valid ref_id replaces the stored one', async () => {
    const { app, receiver } = await startApp({ plugins });
    const jar = new CookieJar();
    jar.update((await app.inject({ url: '/landing?ref_id=first-touch' })).headers['set-cookie']);
    const second = await app.inject({ url: '/landing?ref_id=second-touch', headers: jar.headers() });
    expect(second.json()).toEqual({ refId: 'second-touch', refIdSource: 'query' });
    jar.update(second.headers['set-cookie']);

    await app.inject({ method: 'POST', url: '/signup', headers: jar.headers() });
    await receiver.waitForPostbacks(1);

    expect(receiver.postbacks.map((body) => body.ref_id)).toEqual(['second-touch']);
  });

  it('first touch: the stored ref_id is kept, even on a landing that carries another', async () => {
    const { app, receiver } = await startApp({ plugins, options: { attribution: 'first' } });
    const jar = new CookieJar();
    jar.update((await app.inject({ url: '/landing?ref_id=first-touch' })).headers['set-cookie']);
    const second = await app.inject({ url: '/landing?ref_id=second-touch', headers: jar.headers() });
    expect(second.json()).toEqual({
      refId: 'first-touch',
      refIdSource: plugins === 'session' ? 'session' : 'cookie',
    });
    expect(setCookieLine(second.headers['set-cookie'], 'gc_ref_id')).toBeUndefined();
    jar.update(second.headers['set-cookie']);

    const signup = await app.inject({
      method: 'POST',
      url: '/signup?ref_id=third-touch',
      headers: jar.headers(),
    });
    expect(signup.json()).toEqual({ tracked: true });
    await receiver.waitForPostbacks(1);

    expect(receiver.postbacks.map((body) => body.ref_id)).toEqual(['first-touch']);
  });

  it('ignores hostile ref_ids: nothing stored, nothing sent, a good stored one kept', async () => {
    const hostile = [
      '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      'a%20b',
      'a;b',
      'a%3Bb',
      'a,b',
      '%22quoted%22',
      'caf%C3%A9',
      '%00abc',
      'abc%0d%0aSet-Cookie:%20x=1',
      '%E0%A4%A',
      'x'.repeat(257),
      '',
    ];
    const { app, receiver } = await startApp({ plugins });
    for (const value of hostile) {
      const landing = await app.inject({ url: `/landing?ref_id=${value}` });
      expect(landing.json(), value).toEqual({ refId: null, refIdSource: null });
      expect(setCookieLine(landing.headers['set-cookie'], 'gc_ref_id'), value).toBeUndefined();
      // The session plugin may set its own cookie; what matters is that nothing was stored in it.
      const visitor = new CookieJar().update(landing.headers['set-cookie']);
      const revisit = await app.inject({ url: '/landing', headers: visitor.headers() });
      expect(revisit.json(), value).toEqual({ refId: null, refIdSource: null });
      const signup = await app.inject({
        method: 'POST',
        url: `/signup?ref_id=${value}`,
        headers: visitor.headers(),
      });
      expect(signup.json(), value).toEqual({ tracked: false });
    }

    const jar = new CookieJar();
    jar.update((await app.inject({ url: '/landing?ref_id=good-one' })).headers['set-cookie']);
    const attack = await app.inject({ url: '/landing?ref_id=%3Cscript%3E', headers: jar.headers() });
    expect(attack.json()).toEqual({
      refId: 'good-one',
      refIdSource: plugins === 'session' ? 'session' : 'cookie',
    });
    expect(setCookieLine(attack.headers['set-cookie'], 'gc_ref_id')).toBeUndefined();

    await app.inject({ method: 'POST', url: '/signup', headers: jar.headers() });
    await app.close();
    expect(receiver.postbacks.map((body) => body.ref_id)).toEqual(['good-one']);
  });
});

describe('a capture cookie', () => {
  it('with a hostile ref_id, or older than maxAgeDays, is ignored', async () => {
    const { app, receiver } = await startApp({ options: { maxAgeDays: 30 } });
    const now = Date.now();
    const cookies = [
      `v1.${now.toString(36)}.${encodeURIComponent('<script>')}`,
      `v1.${now.toString(36)}.a%3Bb`,
      `v1.${(now - 31 * 86_400_000).toString(36)}.expired-id`,
      'not-a-capture-cookie',
      '%E0%A4%A',
    ];
    for (const value of cookies) {
      const jar = new CookieJar().set('gc_ref_id', value);
      const page = await app.inject({ url: '/landing', headers: jar.headers() });
      expect(page.json(), value).toEqual({ refId: null, refIdSource: null });
      const signup = await app.inject({ method: 'POST', url: '/signup', headers: jar.headers() });
      expect(signup.json(), value).toEqual({ tracked: false });
    }
    const fresh = new CookieJar().set('gc_ref_id', `v1.${(now - 29 * 86_400_000).toString(36)}.recent-id`);
    expect((await app.inject({ method: 'POST', url: '/signup', headers: fresh.headers() })).json()).toEqual({
      tracked: true,
    });

    await app.close();
    expect(receiver.postbacks.map((body) => body.ref_id)).toEqual(['recent-id']);
  });
});

describe('a request without a ref_id', () => {
  it('sends nothing: trackConversion returns false, sendConversion rejects with GC_ERR_NO_REF_ID', async () => {
    const { app, receiver, errors } = await startApp({ plugins: 'cookie' });

    const landing = await app.inject({ url: '/landing?utm_source=ads' });
    expect(landing.json()).toEqual({ refId: null, refIdSource: null });
    expect(landing.headers['set-cookie']).toBeUndefined();
    const signup = await app.inject({ method: 'POST', url: '/signup' });
    expect(signup.json()).toEqual({ tracked: false });
    const purchase = await app.inject({ method: 'POST', url: '/purchase' });
    expect(purchase.statusCode).toBe(502);
    expect(purchase.json()).toMatchObject({ code: 'GC_ERR_NO_REF_ID' });

    await app.close();
    expect(receiver.requests).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('options that shape capture', () => {
  it('param and validate choose which query values count as a ref_id', async () => {
    const hex = /^[0-9a-f]{32}$/;
    const { app } = await startApp({ options: { param: ['click', 'ref_id'], validate: (v) => hex.test(v) } });
    const id = '0123456789abcdef0123456789abcdef';

    expect((await app.inject({ url: `/landing?click=${id}` })).json()).toMatchObject({ refId: id });
    expect((await app.inject({ url: `/landing?click=nothex&ref_id=${id}` })).json()).toMatchObject({
      refId: id,
    });
    expect((await app.inject({ url: '/landing?ref_id=abc123xyz' })).json()).toMatchObject({ refId: null });
  });

  it("reads the ref_id from the URL itself, whatever the app's querystringParser makes of it", async () => {
    const { app } = await startApp({
      fastify: { routerOptions: { querystringParser: (text) => ({ parsed: text.toUpperCase() }) } },
    });
    const response = await app.inject({ url: '/landing?ref_id=abc123xyz' });
    expect(response.json()).toEqual({ refId: 'abc123xyz', refIdSource: 'query' });
  });

  it('consent: false stores and sends nothing; a throwing consent is reported and the request goes on', async () => {
    const { app, receiver, errors } = await startApp({
      options: {
        consent: (request) => {
          if (request.headers['x-consent'] === 'broken') throw new Error('consent store down');
          return request.headers['x-consent'] === 'yes';
        },
      },
    });

    for (const consent of ['no', 'broken']) {
      const headers = { 'x-consent': consent };
      const landing = await app.inject({ url: '/landing?ref_id=abc123xyz', headers });
      expect(landing.statusCode).toBe(200);
      expect(landing.json()).toEqual({ refId: null, refIdSource: null });
      expect(landing.headers['set-cookie']).toBeUndefined();
      const signup = await app.inject({ method: 'POST', url: '/signup?ref_id=abc123xyz', headers });
      expect(signup.json()).toEqual({ tracked: false });
    }
    expect(errors.map((error) => error.code)).toContain('GC_ERR_CAPTURE');

    const signup = await app.inject({
      method: 'POST',
      url: '/signup?ref_id=abc123xyz',
      headers: { 'x-consent': 'yes' },
    });
    expect(signup.json()).toEqual({ tracked: true });
    await app.close();
    expect(receiver.postbacks.map((body) => body.ref_id)).toEqual(['abc123xyz']);
  });

  it("storage: 'none' sends a ref_id from the current query but never stores it", async () => {
    const { app, receiver } = await startApp({ plugins: 'session', options: { storage: 'none' } });
    const landing = await app.inject({ url: '/landing?ref_id=abc123xyz' });
    expect(setCookieLine(landing.headers['set-cookie'], 'gc_ref_id')).toBeUndefined();
    const jar = new CookieJar().update(landing.headers['set-cookie']);

    expect((await app.inject({ method: 'POST', url: '/signup', headers: jar.headers() })).json()).toEqual({
      tracked: false,
    });
    expect((await app.inject({ method: 'POST', url: '/signup?ref_id=abc123xyz' })).json()).toEqual({
      tracked: true,
    });
    await app.close();
    expect(receiver.postbacks.map((body) => body.ref_id)).toEqual(['abc123xyz']);
  });

  it('trackerId is added to every conversion', async () => {
    const { app, receiver } = await startApp({ options: { trackerId: 'tracker-7' } });
    await app.inject({ method: 'POST', url: '/purchase?ref_id=abc123xyz' });
    expect(receiver.postbacks).toEqual([
      { tracker_id: 'tracker-7', ref_id: 'abc123xyz', event_name: 'purchase', revenue: 49 },
    ]);
  });
});
