import { describe, expect, it } from 'vitest';
import { createClient, type GrowthChannelError } from '../src/index.js';
import { API_KEY, EXPRESS_VERSIONS, FAST, startApp } from './helpers.js';

describe.each(EXPRESS_VERSIONS)('%s: delivery', (_name, express) => {
  it('sendConversion answers only once the receiver has the postback', async () => {
    const h = await startApp(express);
    const agent = h.agent();
    await agent.get('/landing?ref_id=abc');
    const res = await agent.post('/send');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    // No wait: the handler awaited delivery before answering.
    expect(h.receiver.postbacks).toStrictEqual([{ ref_id: 'abc', event_name: 'paid', revenue: 10 }]);
  });

  it('sendConversion rejects with typed errors the handler can map', async () => {
    const h = await startApp(express, {
      after: (app) =>
        app.post('/send-invalid', async (req, res) => {
          try {
            await req.gc.sendConversion('paid', { revenue: Number.NaN });
            res.sendStatus(200);
          } catch (error) {
            res.status(422).json({ code: (error as GrowthChannelError).code });
          }
        }),
    });
    const agent = h.agent();
    expect((await agent.post('/send')).body).toEqual({ code: 'GC_ERR_NO_REF_ID' });
    await agent.get('/landing?ref_id=abc');

    h.receiver.inject({ status: 400 });
    expect((await agent.post('/send')).body).toEqual({ code: 'GC_ERR_HTTP' });
    h.receiver.inject({ status: 200, body: { status: 'dropped' } });
    expect((await agent.post('/send')).body).toEqual({ code: 'GC_ERR_REJECTED' });
    expect((await agent.post('/send-invalid')).body).toEqual({ code: 'GC_ERR_VALIDATION' });
    expect(h.receiver.postbacks).toEqual([]);
  });

  it('trackConversion failures go to onError, never to the response', async () => {
    const h = await startApp(express, {
      after: (app) =>
        app.post('/track-invalid', (req, res) => {
          res.json({ queued: req.gc.trackConversion('paid', { revenue: Number.NaN }) });
        }),
    });
    const agent = h.agent();
    await agent.get('/landing?ref_id=abc');
    expect((await agent.post('/track-invalid')).body).toEqual({ queued: false });
    h.receiver.inject({ status: 400 });
    const res = await agent.post('/convert');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ queued: true });
    await h.capture.client.flush(2_000);
    expect(h.errors.map((error) => error.code)).toEqual(['GC_ERR_VALIDATION', 'GC_ERR_HTTP']);
  });

  it('retries a failed attempt in the background', async () => {
    const h = await startApp(express);
    const agent = h.agent();
    await agent.get('/landing?ref_id=abc');
    h.receiver.inject({ status: 503, times: 2 });
    await agent.post('/convert');
    await h.receiver.waitForPostbacks(1);
    expect(h.receiver.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(h.errors).toEqual([]);
  });

  it('req.gc.client is the middleware client; a client passed in is flushed by close(), not closed', async () => {
    let seen: unknown;
    const h = await startApp(express, {
      after: (app) =>
        app.use((req, _res, next) => {
          seen = req.gc.client;
          next();
        }),
    });
    await h.agent().get('/landing');
    expect(seen).toBe(h.capture.client);

    const client = createClient({ apiKey: API_KEY, baseUrl: h.receiver.url, ...FAST });
    const shared = await startApp(express, { options: { client } });
    expect(shared.capture.client).toBe(client);
    const agent = shared.agent();
    await agent.get('/landing?ref_id=abc');
    h.receiver.inject({ delayMs: 100 });
    await agent.post('/convert');
    expect(await shared.capture.close()).toBeUndefined();
    // Flushed: the postback reached the receiver the client points at (the first app's).
    expect(h.receiver.postbacks.map((p) => p.ref_id)).toEqual(['abc']);
    expect(client.closed).toBe(false);
    await client.close();
  });
});
