import cookieParser from 'cookie-parser';
import cookieSession from 'cookie-session';
import session from 'express-session';
import { describe, expect, it } from 'vitest';
import {
  type AppSetup,
  CONVERSION,
  captureCookie,
  EXPRESS_VERSIONS,
  type Harness,
  setCookies,
  startApp,
} from './helpers.js';

const SESSION_SECRET = 'session-secret-for-tests-0123456789';
const COOKIE_SECRET = 'capture-secret-for-tests-0123456789';

/** Lands with ?ref_id=abc, converts on a later request of the same agent, and checks the exact body. */
async function landThenConvert(h: Harness, expectedSource: 'session' | 'cookie') {
  const agent = h.agent();
  const landing = await agent.get('/landing?ref_id=abc');
  expect(landing.body).toEqual({ refId: 'abc', source: 'query' });

  const later = await agent.get('/landing');
  expect(later.body).toEqual({ refId: 'abc', source: expectedSource });

  const convert = await agent.post('/convert');
  expect(convert.body).toEqual({ queued: true });
  await h.receiver.waitForPostbacks(1);
  expect(h.receiver.postbacks).toStrictEqual([
    { ref_id: 'abc', event_name: 'user_converted', ...CONVERSION },
  ]);
  // The receiver answers 401 to any other key, so an accepted postback carried the configured one.
  expect(h.receiver.requests).toHaveLength(1);
  expect(h.receiver.requests[0]?.headers['x-api-key']).toBe('[redacted]');
  expect(h.errors).toEqual([]);
  return landing;
}

describe.each(EXPRESS_VERSIONS)('%s: land, then convert on a later request', (_name, express) => {
  it('stores the ref_id in the express-session session, not in a cookie', async () => {
    const h = await startApp(express, {
      before: (app) => app.use(session({ secret: SESSION_SECRET, resave: false, saveUninitialized: false })),
    });
    const landing = await landThenConvert(h, 'session');
    expect(captureCookie(landing)).toBeUndefined();
    expect(setCookies(landing).some((c) => c.startsWith('connect.sid='))).toBe(true);
  });

  it('stores the ref_id in the cookie-session session, not in a capture cookie', async () => {
    const h = await startApp(express, {
      before: (app) => app.use(cookieSession({ name: 'sess', keys: [SESSION_SECRET] })),
    });
    const landing = await landThenConvert(h, 'session');
    expect(captureCookie(landing)).toBeUndefined();
    expect(setCookies(landing).some((c) => c.startsWith('sess='))).toBe(true);
  });

  it('falls back to a cookie when the app has no session', async () => {
    const h = await startApp(express);
    const landing = await landThenConvert(h, 'cookie');
    expect(captureCookie(landing)).toMatch(/^gc_ref_id=v1\.[0-9a-z]+\.abc;/);
  });

  it('signs the cookie when `secret` is set', async () => {
    const h = await startApp(express, { options: { secret: COOKIE_SECRET } });
    const landing = await landThenConvert(h, 'cookie');
    expect(captureCookie(landing)).toMatch(/^gc_ref_id=v1\.[0-9a-z]+\.abc\.[\w-]{43};/);
  });

  it.each<[string, AppSetup['before']]>([
    ['cookie-parser', (app) => app.use(cookieParser())],
    ['cookie-parser with its own secret', (app) => app.use(cookieParser('cookie-parser-secret'))],
  ])('works with %s registered too', async (_label, before) => {
    let parsed: unknown;
    const h = await startApp(express, {
      before,
      options: { secret: COOKIE_SECRET },
      after: (app) =>
        app.use((req, _res, next) => {
          parsed = req.cookies?.gc_ref_id;
          next();
        }),
    });
    await landThenConvert(h, 'cookie');
    // cookie-parser saw our cookie too: both read the same header without interfering.
    expect(parsed).toMatch(/^v1\.[0-9a-z]+\.abc\./);
  });

  it("uses a cookie when storage is 'cookie', even with a session", async () => {
    const h = await startApp(express, {
      options: { storage: 'cookie' },
      before: (app) => app.use(session({ secret: SESSION_SECRET, resave: false, saveUninitialized: false })),
    });
    const landing = await landThenConvert(h, 'cookie');
    expect(captureCookie(landing)).toBeDefined();
    // Nothing was written to the session, so express-session did not start one.
    expect(setCookies(landing).some((c) => c.startsWith('connect.sid='))).toBe(false);
  });

  it("stores nothing when storage is 'session' and the app has none, and warns once", async () => {
    const warnings: string[] = [];
    const h = await startApp(express, {
      options: { storage: 'session', logger: { warn: (message) => warnings.push(message) } },
    });
    const agent = h.agent();
    const landing = await agent.get('/landing?ref_id=abc');
    expect(landing.body).toEqual({ refId: 'abc', source: 'query' });
    expect(setCookies(landing)).toEqual([]);
    await agent.get('/landing?ref_id=def');
    expect((await agent.get('/landing')).body).toEqual({ refId: null, source: null });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("storage is 'session' but the request has no session");
  });

  it("keeps nothing when storage is 'none': only a ref_id in the current query counts", async () => {
    const h = await startApp(express, { options: { storage: 'none' } });
    const agent = h.agent();
    const landing = await agent.get('/landing?ref_id=abc');
    expect(setCookies(landing)).toEqual([]);
    expect((await agent.post('/convert')).body).toEqual({ queued: false });
    expect((await agent.post('/convert?ref_id=abc')).body).toEqual({ queued: true });
    await h.receiver.waitForPostbacks(1);
    expect(h.receiver.postbacks).toStrictEqual([
      { ref_id: 'abc', event_name: 'user_converted', ...CONVERSION },
    ]);
  });

  it('gives req.gc to the routes of a mounted router', async () => {
    const h = await startApp(express);
    const router = express.Router();
    router.get('/page', (req, res) => {
      res.json({ refId: req.gc.refId ?? null });
    });
    h.app.use('/shop', router);
    const res = await h.agent().get('/shop/page?ref_id=abc');
    expect(res.body).toEqual({ refId: 'abc' });
  });
});
