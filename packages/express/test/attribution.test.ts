import session from 'express-session';
import { describe, expect, it } from 'vitest';
import {
  type AppSetup,
  CONVERSION,
  captureCookie,
  EXPRESS_VERSIONS,
  setCookies,
  startApp,
} from './helpers.js';

const withSession: AppSetup['before'] = (app) =>
  app.use(
    session({ secret: 'session-secret-for-tests-0123456789', resave: false, saveUninitialized: false }),
  );

const STORAGES: [string, AppSetup['before']][] = [
  ['cookie', undefined],
  ['express-session', withSession],
];

/** Query strings a hostile or broken link can carry; none may be stored or sent. */
const HOSTILE = [
  'ref_id=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  'ref_id=abc%0D%0ASet-Cookie%3A%20evil%3D1',
  'ref_id=abc%3B%20Domain%3Devil.example',
  'ref_id=abc%22%2C%20x',
  'ref_id=a%00b',
  'ref_id=caf%C3%A9',
  'ref_id=%E0%A4%A',
  `ref_id=${'a'.repeat(257)}`,
  'ref_id=',
  'ref_id[]=abc',
  'ref_id[$ne]=x',
];

describe.each(EXPRESS_VERSIONS)('%s: attribution', (_name, express) => {
  describe.each(STORAGES)('stored in a %s', (_storage, before) => {
    it('last touch (default): a new valid ref_id replaces the stored one', async () => {
      const h = await startApp(express, { before });
      const agent = h.agent();
      await agent.get('/landing?ref_id=first');
      expect((await agent.get('/landing?ref_id=second')).body).toEqual({ refId: 'second', source: 'query' });
      expect((await agent.post('/convert')).body).toEqual({ queued: true });
      await h.receiver.waitForPostbacks(1);
      expect(h.receiver.postbacks.map((p) => p.ref_id)).toEqual(['second']);
    });

    it('first touch keeps the first ref_id, even when a later landing carries another', async () => {
      const h = await startApp(express, { before, options: { attribution: 'first' } });
      const agent = h.agent();
      await agent.get('/landing?ref_id=first');
      const again = await agent.get('/landing?ref_id=second');
      expect(again.body).toEqual({ refId: 'first', source: before ? 'session' : 'cookie' });
      expect(captureCookie(again)).toBeUndefined();
      expect((await agent.post('/convert?ref_id=third')).body).toEqual({ queued: true });
      await h.receiver.waitForPostbacks(1);
      expect(h.receiver.postbacks.map((p) => p.ref_id)).toEqual(['first']);
    });

    it('does not store hostile or malformed ref_ids, and sends nothing for them', async () => {
      const h = await startApp(express, { before });
      const agent = h.agent();
      for (const query of HOSTILE) {
        const res = await agent.get(`/landing?${query}`);
        expect(res.status, query).toBe(200);
        expect(res.body, query).toEqual({ refId: null, source: null });
        // No capture cookie, and (saveUninitialized: false) no session was started either.
        expect(setCookies(res), query).toEqual([]);
        expect((await agent.post(`/convert?${query}`)).body, query).toEqual({ queued: false });
      }
      await h.capture.client.flush(1_000);
      expect(h.receiver.requests).toEqual([]);
      expect(h.errors).toEqual([]);
    });
  });

  it('takes the first valid value when the parameter repeats', async () => {
    const h = await startApp(express);
    const res = await h.agent().get('/landing?ref_id=%3Cbad%3E&ref_id=good');
    expect(res.body).toEqual({ refId: 'good', source: 'query' });
  });

  it('sends nothing for a request with no ref_id', async () => {
    const h = await startApp(express);
    const agent = h.agent();
    expect((await agent.get('/landing')).body).toEqual({ refId: null, source: null });
    expect((await agent.post('/convert')).body).toEqual({ queued: false });
    expect((await agent.post('/send')).body).toEqual({ code: 'GC_ERR_NO_REF_ID' });
    await h.capture.client.flush(1_000);
    expect(h.receiver.requests).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('reads the ref_id from every name in `param`, and applies `validate`', async () => {
    const h = await startApp(express, {
      options: { param: ['gc_ref', 'ref_id'], validate: (value) => /^[0-9a-f]{8}$/.test(value) },
    });
    const agent = h.agent();
    expect((await agent.get('/landing?gc_ref=abc')).body).toEqual({ refId: null, source: null });
    expect((await agent.get('/landing?gc_ref=deadbeef')).body).toEqual({
      refId: 'deadbeef',
      source: 'query',
    });
    expect((await agent.get('/landing?ref_id=0badf00d')).body).toEqual({
      refId: '0badf00d',
      source: 'query',
    });
  });

  it('stores and sends nothing without consent', async () => {
    const h = await startApp(express, {
      options: { consent: (req) => req.get('x-consent') === 'yes' },
    });
    const agent = h.agent();
    const refused = await agent.get('/landing?ref_id=abc');
    expect(refused.body).toEqual({ refId: null, source: null });
    expect(setCookies(refused)).toEqual([]);

    await agent.get('/landing?ref_id=abc').set('x-consent', 'yes');
    expect((await agent.post('/convert')).body).toEqual({ queued: false });
    expect((await agent.post('/convert').set('x-consent', 'yes')).body).toEqual({ queued: true });
    await h.receiver.waitForPostbacks(1);
    expect(h.receiver.postbacks).toStrictEqual([
      { ref_id: 'abc', event_name: 'user_converted', ...CONVERSION },
    ]);
  });

  it('adds the default `trackerId`; a conversion’s own tracker_id wins', async () => {
    const h = await startApp(express, {
      options: { trackerId: 'trk_default' },
      after: (app) =>
        app.post('/convert-own-tracker', (req, res) => {
          res.json({ queued: req.gc.trackConversion('paid', { tracker_id: 'trk_own' }) });
        }),
    });
    const agent = h.agent();
    await agent.get('/landing?ref_id=abc');
    await agent.post('/convert');
    await h.receiver.waitForPostbacks(1);
    await agent.post('/convert-own-tracker');
    await h.receiver.waitForPostbacks(2);
    expect(h.receiver.postbacks).toStrictEqual([
      { tracker_id: 'trk_default', ref_id: 'abc', event_name: 'user_converted', ...CONVERSION },
      { tracker_id: 'trk_own', ref_id: 'abc', event_name: 'paid' },
    ]);
  });
});
