import session from 'express-session';
import { describe, expect, it } from 'vitest';
import { captureCookie, EXPRESS_VERSIONS, setCookies, startApp } from './helpers.js';

const SECRET = 'capture-secret-for-tests-0123456789';
const DAY_MS = 86_400_000;

/** A stored value as core writes it: `v1.<capturedAt base36>.<refId>`. */
function storedValue(refId: string, capturedAt: number): string {
  return `v1.${capturedAt.toString(36)}.${refId}`;
}

describe.each(EXPRESS_VERSIONS)('%s: the capture cookie', (_name, express) => {
  it('is HttpOnly, SameSite=Lax, lives 30 days on / and is not Secure over plain http', async () => {
    const h = await startApp(express);
    const res = await h.agent().get('/landing?ref_id=abc');
    expect(captureCookie(res)).toMatch(
      /^gc_ref_id=v1\.[0-9a-z]+\.abc; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/,
    );
  });

  it("is Secure behind a trusted proxy that says X-Forwarded-Proto: https ('trust proxy')", async () => {
    const h = await startApp(express, { before: (app) => app.set('trust proxy', true) });
    const res = await h.agent().get('/landing?ref_id=abc').set('X-Forwarded-Proto', 'https');
    expect(captureCookie(res)).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
  });

  it('ignores X-Forwarded-Proto when the proxy is not trusted', async () => {
    const h = await startApp(express);
    const res = await h.agent().get('/landing?ref_id=abc').set('X-Forwarded-Proto', 'https');
    expect(captureCookie(res)).not.toContain('Secure');
  });

  it('follows the cookie options and maxAgeDays', async () => {
    const h = await startApp(express, {
      options: {
        maxAgeDays: 7,
        cookie: {
          name: 'shop_ref',
          domain: '.shop.example',
          path: '/app',
          sameSite: 'strict',
          httpOnly: false,
          secure: true,
        },
      },
    });
    const res = await h.agent().get('/landing?ref_id=abc');
    expect(captureCookie(res, 'shop_ref')).toMatch(
      /^shop_ref=v1\.[0-9a-z]+\.abc; Max-Age=604800; Path=\/app; Domain=\.shop\.example; Secure; SameSite=Strict$/,
    );
  });

  it('keeps the Set-Cookie headers other middleware set before and after it', async () => {
    const h = await startApp(express, {
      before: (app) =>
        app.use((_req, res, next) => {
          res.setHeader('Set-Cookie', 'legacy=1; Path=/');
          res.cookie('theme', 'dark');
          next();
        }),
      after: (app) =>
        app.use((_req, res, next) => {
          res.cookie('later', '1');
          next();
        }),
    });
    const res = await h.agent().get('/landing?ref_id=abc');
    expect(setCookies(res).map((cookie) => cookie.split('=')[0])).toEqual([
      'legacy',
      'theme',
      'gc_ref_id',
      'later',
    ]);
  });

  it("writes one cookie when mounted twice on a request's path (app and router)", async () => {
    const h = await startApp(express);
    const router = express.Router();
    router.use(h.capture);
    router.get('/twice', (req, res) => res.json({ refId: req.gc.refId ?? null }));
    h.app.use('/r', router);
    const res = await h.agent().get('/r/twice?ref_id=abc');
    expect(res.body).toEqual({ refId: 'abc' });
    expect(setCookies(res).filter((cookie) => cookie.startsWith('gc_ref_id='))).toHaveLength(1);
  });

  it('still converts when the session middleware is mounted after capture', async () => {
    const h = await startApp(express, {
      after: (app) => app.use(session({ secret: SECRET, resave: false, saveUninitialized: false })),
    });
    const agent = h.agent();
    await agent.get('/landing?ref_id=abc');
    expect((await agent.get('/landing')).body).toEqual({ refId: 'abc', source: 'cookie' });
    expect((await agent.post('/convert')).body).toEqual({ queued: true });
    await h.receiver.waitForPostbacks(1);
    expect(h.receiver.postbacks[0]?.ref_id).toBe('abc');
  });

  it("keeps express-session's cookie next to its own", async () => {
    const h = await startApp(express, {
      options: { storage: 'cookie' },
      before: (app) => app.use(session({ secret: SECRET, resave: false, saveUninitialized: true })),
    });
    const res = await h.agent().get('/landing?ref_id=abc');
    expect(
      setCookies(res)
        .map((cookie) => cookie.split('=')[0])
        .sort(),
    ).toEqual(['connect.sid', 'gc_ref_id']);
  });

  it('ignores a signed cookie whose value was tampered with', async () => {
    const h = await startApp(express, { options: { secret: SECRET } });
    const landing = await h.agent().get('/landing?ref_id=abc');
    const value = (captureCookie(landing) as string).split(';')[0]?.slice('gc_ref_id='.length) as string;
    const tampered = value.replace('.abc.', '.xyz.');
    expect(tampered).not.toBe(value);

    const agent = h.agent();
    const res = await agent.get('/landing').set('Cookie', `gc_ref_id=${tampered}`);
    expect(res.body).toEqual({ refId: null, source: null });
    const convert = await agent.post('/convert').set('Cookie', `gc_ref_id=${tampered}`);
    expect(convert.body).toEqual({ queued: false });
    expect(h.debug.some((message) => message.includes('signature does not match'))).toBe(true);

    // The untouched cookie still works, so it is the tampering that was refused.
    const genuine = await agent.get('/landing').set('Cookie', `gc_ref_id=${value}`);
    expect(genuine.body).toEqual({ refId: 'abc', source: 'cookie' });
  });

  it('ignores an unsigned cookie when `secret` is set', async () => {
    const h = await startApp(express, { options: { secret: SECRET } });
    const res = await h
      .agent()
      .get('/landing')
      .set('Cookie', `gc_ref_id=${storedValue('abc', Date.now())}`);
    expect(res.body).toEqual({ refId: null, source: null });
  });

  it('leaves the request untouched with malformed cookies', async () => {
    const h = await startApp(express);
    const res = await h
      .agent()
      .get('/landing')
      .set('Cookie', 'gc_ref_id=%E0%A4%A; junk=%%%; =; ;;; gc_ref_id=v1.zz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ refId: null, source: null });
    const garbage = await h.agent().get('/landing').set('Cookie', 'gc_ref_id=v1.notanumber.abc');
    expect(garbage.body).toEqual({ refId: null, source: null });
    expect(h.errors).toEqual([]);
  });

  it('does not send a stored ref_id older than maxAgeDays', async () => {
    const h = await startApp(express, { options: { maxAgeDays: 30 } });
    const agent = h.agent();
    const old = storedValue('old', Date.now() - 31 * DAY_MS);
    expect((await agent.post('/convert').set('Cookie', `gc_ref_id=${old}`)).body).toEqual({ queued: false });
    const recent = storedValue('recent', Date.now() - 29 * DAY_MS);
    expect((await agent.post('/convert').set('Cookie', `gc_ref_id=${recent}`)).body).toEqual({
      queued: true,
    });
    await h.receiver.waitForPostbacks(1);
    expect(h.receiver.postbacks.map((p) => p.ref_id)).toEqual(['recent']);
  });
});
