import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startReceiver } from '@growth-channel/testing';
import { Agent } from 'undici';
import { describe, expect, it, vi } from 'vitest';
import { createClient, MAX_RESPONSE_BYTES, POSTBACK_PATH } from '../src/index.js';
import { API_KEY, FAST, rejection, setup } from './helpers.js';

const EXAMPLE = {
  ref_id: 'abc123xyz',
  event_name: 'user_converted',
  revenue: 123,
  conversion_data: { order_id: 'order_98765', lead_source: 'callrail' },
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('client over loopback', () => {
  it('sends the exact documented request and resolves with the answer', async () => {
    const { receiver, client } = await setup();
    await expect(client.send(EXAMPLE)).resolves.toEqual({ status: 'ok' });
    const [request] = receiver.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(POSTBACK_PATH);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-api-key']).toBe('[redacted]');
    expect(request?.headers['idempotency-key']).toMatch(UUID);
    expect(JSON.parse(request?.rawBody ?? '')).toEqual(EXAMPLE);
    expect(receiver.postbacks).toEqual([EXAMPLE]);
    expect(client.stats).toMatchObject({ delivered: 1, failed: 0, dropped: 0 });
  });

  it('previews the exact request send() makes, with the key redacted', async () => {
    const { receiver, client } = await setup();
    const preview = client.preview(EXAMPLE);
    expect(preview).toMatchObject({ method: 'POST', url: `${receiver.url}${POSTBACK_PATH}` });
    expect(preview.headers['x-api-key']).toBe('[redacted]');
    expect(preview.headers['idempotency-key']).toMatch(UUID);
    await client.send(EXAMPLE);
    const [sent] = receiver.requests;
    expect(preview.body).toBe(sent?.rawBody);
    const { 'idempotency-key': _p, ...previewed } = preview.headers;
    for (const [name, value] of Object.entries(previewed)) expect(sent?.headers[name]).toBe(value);
    expect(() => client.preview({ ref_id: '' })).toThrow(/ref_id/);
  });

  it('appends the postback path to a base URL with a path prefix', async () => {
    const { receiver } = await setup();
    const client = createClient({ apiKey: API_KEY, baseUrl: `${receiver.url}/`, ...FAST });
    await client.send({ ref_id: 'r' });
    await client.close();
    expect(receiver.requests[0]?.path).toBe(POSTBACK_PATH);
    expect(createClient({ apiKey: 'k', baseUrl: 'https://proxy.example/gc/' }).endpoint).toBe(
      `https://proxy.example/gc${POSTBACK_PATH}`,
    );
  });

  it('retries 500 then 503, then succeeds, with one Idempotency-Key for every attempt', async () => {
    const { receiver, client } = await setup();
    receiver.inject({ status: 500 });
    receiver.inject({ status: 503 });
    await expect(client.send({ ref_id: 'r1' })).resolves.toEqual({ status: 'ok' });
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 503, 200]);
    const keys = new Set(receiver.requests.map((r) => r.headers['idempotency-key']));
    expect(keys.size).toBe(1);
  });

  it.each([408, 425, 429, 502, 504])('retries %i', async (status) => {
    const { receiver, client } = await setup();
    receiver.inject({ status });
    await client.send({ ref_id: 'r' });
    expect(receiver.requests.map((r) => r.status)).toEqual([status, 200]);
  });

  it('gives up after maxRetries with the last answer in the error', async () => {
    const { receiver, client } = await setup({ maxRetries: 2 });
    receiver.inject({ status: 503, times: 10, body: { status: 'error', message: 'maintenance' } });
    const error = await rejection(client.send({ ref_id: 'r' }));
    expect(error.code).toBe('GC_ERR_HTTP');
    expect(error.status).toBe(503);
    expect(error.attempts).toBe(3);
    expect(error.body).toContain('maintenance');
    expect(error.idempotencyKey).toMatch(UUID);
    expect(receiver.requests).toHaveLength(3);
  });

  it('honours Retry-After (clamped to retryAfterMaxMs) and pauses the whole client', async () => {
    let sawLimit!: () => void;
    const limited429 = new Promise<void>((resolve) => {
      sawLimit = resolve;
    });
    const { receiver, client } = await setup({
      retryAfterMaxMs: 300,
      maxConcurrency: 2,
      logger: { debug: (message) => message.includes('retrying') && sawLimit() },
    });
    receiver.inject({ status: 429, retryAfter: 120 });
    const first = client.send({ ref_id: 'first' });
    await limited429;
    // A second postback, sent while the client is paused, waits for the gate instead of meeting a 429.
    const second = client.send({ ref_id: 'second' });
    await Promise.all([first, second]);
    const [limited, ...rest] = receiver.requests;
    expect(limited?.status).toBe(429);
    expect(rest.map((r) => r.status)).toEqual([200, 200]);
    for (const request of rest) {
      expect(request.receivedAt.getTime() - (limited?.receivedAt.getTime() ?? 0)).toBeGreaterThanOrEqual(280);
    }
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const { receiver, client } = await setup({ retryAfterMaxMs: 5_000 });
    // HTTP dates have whole seconds: 2 s ahead means a wait between 1 and 2 s.
    receiver.inject({ status: 503, retryAfter: new Date(Date.now() + 2_000).toUTCString() });
    await client.send({ ref_id: 'r' });
    const [first, second] = receiver.requests;
    expect(second?.status).toBe(200);
    expect((second?.receivedAt.getTime() ?? 0) - (first?.receivedAt.getTime() ?? 0)).toBeGreaterThanOrEqual(
      900,
    );
  });

  it('pauses the client on a Retry-After even when that postback retries no more', async () => {
    const { receiver, client, errors } = await setup({
      maxRetries: 0,
      retryAfterMaxMs: 300,
      maxConcurrency: 1,
    });
    receiver.inject({ status: 429, retryAfter: 5 });
    client.track({ ref_id: 'limited' });
    client.track({ ref_id: 'next' });
    await client.flush();
    expect(errors.map((e) => e.error.status)).toEqual([429]);
    const [limited, next] = receiver.requests;
    expect(next?.accepted).toBe(true);
    expect((next?.receivedAt.getTime() ?? 0) - (limited?.receivedAt.getTime() ?? 0)).toBeGreaterThanOrEqual(
      280,
    );
  });

  it('keeps queued postbacks waiting through a Retry-After longer than deadlineMs, then delivers them', async () => {
    const { receiver, client, errors } = await setup({
      deadlineMs: 200,
      retryAfterMaxMs: 400,
      maxConcurrency: 1,
    });
    receiver.inject({ status: 429, retryAfter: 60 });
    for (let i = 0; i < 5; i++) client.track({ ref_id: `r${i}` });
    await client.flush();
    // The one that met the 429 could not wait 400 ms within its 200 ms deadline; the rest waited in
    // the queue (their deadline starts when they leave it) and went through after the pause.
    expect(errors.map((e) => [e.error.code, e.error.status])).toEqual([['GC_ERR_HTTP', 429]]);
    expect(receiver.postbacks.map((p) => p.ref_id)).toEqual(['r1', 'r2', 'r3', 'r4']);
    const [limited, after] = receiver.requests;
    expect((after?.receivedAt.getTime() ?? 0) - (limited?.receivedAt.getTime() ?? 0)).toBeGreaterThanOrEqual(
      380,
    );
  });

  it('does not retry 401 and says to check the API key, without the key', async () => {
    const { receiver } = await setup();
    const wrongKey = 'gc_wrong_key_0000000000';
    const client = createClient({ apiKey: wrongKey, baseUrl: receiver.url, ...FAST });
    const error = await rejection(client.send({ ref_id: 'r' }));
    await client.close();
    expect(error.code).toBe('GC_ERR_HTTP');
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/apiKey.*GROWTH_CHANNEL_API_KEY/);
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(wrongKey);
  });

  it('does not retry 403 either, and says to check the key', async () => {
    const { receiver, client } = await setup();
    receiver.inject({ status: 403 });
    const error = await rejection(client.send({ ref_id: 'r' }));
    expect(error).toMatchObject({ code: 'GC_ERR_HTTP', status: 403, attempts: 1 });
    expect(error.message).toMatch(/apiKey/);
    expect(receiver.requests).toHaveLength(1);
  });

  it.each([400, 404, 422])('does not retry %i', async (status) => {
    const { receiver, client } = await setup();
    receiver.inject({ status });
    const error = await rejection(client.send({ ref_id: 'r' }));
    expect(error).toMatchObject({ code: 'GC_ERR_HTTP', status, attempts: 1 });
    expect(receiver.requests).toHaveLength(1);
  });

  it.each([301, 302, 307, 308])(
    'never follows a %i redirect, so the key goes nowhere else',
    async (status) => {
      const { receiver, client } = await setup();
      const elsewhere = await startReceiver();
      try {
        receiver.inject({ status, headers: { location: `${elsewhere.endpoint}` } });
        const error = await rejection(client.send({ ref_id: 'r' }));
        expect(error.code).toBe('GC_ERR_HTTP');
        expect(error.message).toMatch(/never followed/);
        expect(error.message).toContain(new URL(elsewhere.url).host);
        expect(receiver.requests).toHaveLength(1);
        expect(elsewhere.requests).toHaveLength(0);
      } finally {
        await elsewhere.close();
      }
    },
  );

  it('treats a 2xx without "status": "ok" as a rejection carrying the body, not retried', async () => {
    const { receiver, client } = await setup();
    receiver.inject({ status: 200, body: { status: 'dropped', reason: 'duplicate' } });
    const error = await rejection(client.send({ ref_id: 'r' }));
    expect(error.code).toBe('GC_ERR_REJECTED');
    expect(error.status).toBe(200);
    expect(error.body).toContain('duplicate');
    expect(receiver.requests).toHaveLength(1);
  });

  it('reads at most 64 KiB of an answer', async () => {
    const { receiver, client } = await setup();
    receiver.inject({ status: 200, body: 'x'.repeat(200 * 1024) });
    const error = await rejection(client.send({ ref_id: 'r' }));
    expect(error.code).toBe('GC_ERR_REJECTED');
    expect(error.body?.length).toBe(MAX_RESPONSE_BYTES);
    receiver.inject({ status: 500, body: { status: 'error', pad: 'y'.repeat(100 * 1024) } });
    receiver.inject({ status: 400, body: { status: 'error', pad: 'y'.repeat(100 * 1024) } });
    const final = await rejection(client.send({ ref_id: 'r' }));
    expect(final.status).toBe(400);
    expect(final.body?.length).toBe(MAX_RESPONSE_BYTES);
  });

  it('times out a slow attempt and retries it', async () => {
    const { receiver, client } = await setup({ timeoutMs: 100 });
    receiver.inject({ delayMs: 1_000 });
    await expect(client.send({ ref_id: 'r' })).resolves.toEqual({ status: 'ok' });
    expect(receiver.requests.filter((r) => r.accepted)).toHaveLength(1);
    const error = await (async () => {
      receiver.inject({ delayMs: 1_000 });
      const single = createClient({
        apiKey: API_KEY,
        baseUrl: receiver.url,
        ...FAST,
        timeoutMs: 50,
        maxRetries: 0,
      });
      try {
        return await rejection(single.send({ ref_id: 'r' }));
      } finally {
        await single.close(100);
      }
    })();
    expect(error.code).toBe('GC_ERR_TIMEOUT');
    expect(error.message).toMatch(/timeoutMs/);
  });

  it('gives up when deadlineMs passes, the last attempt cut to what was left of it', async () => {
    const { receiver, client } = await setup({ timeoutMs: 100, deadlineMs: 250, maxRetries: 100 });
    receiver.inject({ delayMs: 5_000, times: 100 });
    const started = Date.now();
    const error = await rejection(client.send({ ref_id: 'r' }));
    const elapsed = Date.now() - started;
    expect(error.code).toBe('GC_ERR_TIMEOUT');
    // 100 + 100 + the ~50 ms left fit three attempts; a loaded machine's late timers may fit two.
    expect(error.attempts).toBeGreaterThanOrEqual(2);
    expect(error.attempts).toBeLessThanOrEqual(3);
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('bounds a whole attempt, body included, by timeoutMs', async () => {
    // A server that sends headers at once, then drips the body: only a whole-attempt timer stops it.
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = createClient({ apiKey: API_KEY, baseUrl: url, ...FAST, timeoutMs: 300, maxRetries: 0 });
    try {
      const started = Date.now();
      const error = await rejection(client.send({ ref_id: 'r' }));
      expect(error.code).toBe('GC_ERR_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await client.close(100);
      server.closeAllConnections();
      server.close();
    }
  });

  it('retries a connection reset', async () => {
    const { receiver, client } = await setup();
    receiver.inject({ reset: true });
    await expect(client.send({ ref_id: 'r' })).resolves.toEqual({ status: 'ok' });
    expect(receiver.postbacks).toHaveLength(1);
    receiver.inject({ reset: true, times: 10 });
    const error = await rejection(client.send({ ref_id: 'r2' }));
    expect(error.code).toBe('GC_ERR_NETWORK');
    expect(error.attempts).toBe(5);
  });

  it('reports an unreachable endpoint as a network error', async () => {
    const { receiver } = await setup();
    const url = receiver.url;
    await receiver.close();
    const client = createClient({ apiKey: API_KEY, baseUrl: url, ...FAST, maxRetries: 1 });
    const error = await rejection(client.send({ ref_id: 'r' }));
    await client.close();
    expect(error.code).toBe('GC_ERR_NETWORK');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('rejects invalid postbacks before any request', async () => {
    const { receiver, client } = await setup();
    const error = await rejection(client.send({ ref_id: '' }));
    expect(error.code).toBe('GC_ERR_VALIDATION');
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('track, flush and close', () => {
  it('delivers everything tracked by flush(), over a few reused connections', async () => {
    const { receiver, client, errors } = await setup({ maxConcurrency: 4 });
    for (let i = 0; i < 200; i++) expect(client.track({ ref_id: `r${i}`, revenue: i })).toBe(true);
    await expect(client.flush()).resolves.toBe(true);
    expect(receiver.postbacks).toHaveLength(200);
    expect(new Set(receiver.postbacks.map((p) => p.ref_id)).size).toBe(200);
    expect(receiver.connections).toBeLessThanOrEqual(4);
    expect(errors).toEqual([]);
    expect(client.stats).toEqual({ delivered: 200, failed: 0, dropped: 0, queued: 0, inFlight: 0 });
  });

  it('reuses keep-alive connections for sequential sends', async () => {
    const { receiver, client } = await setup();
    for (let i = 0; i < 20; i++) await client.send({ ref_id: `r${i}` });
    // undici's pool may open a second socket while the first is being released; never one per send.
    expect(receiver.connections).toBeLessThanOrEqual(2);
  });

  it('flush waits for retries in flight and reports final failures to onError', async () => {
    const { receiver, client, errors } = await setup({ maxRetries: 1 });
    receiver.inject({ status: 500 });
    receiver.inject({ status: 400, body: { status: 'error', message: 'bad tracker' } });
    expect(client.track({ ref_id: 'first' })).toBe(true);
    await expect(client.flush()).resolves.toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toMatchObject({ code: 'GC_ERR_HTTP', status: 400, attempts: 2 });
    expect(errors[0]?.postback).toEqual({ ref_id: 'first' });
    expect(client.stats.failed).toBe(1);
  });

  it('track never throws and reports invalid input to onError', async () => {
    const { receiver, client, errors } = await setup();
    expect(client.track({ ref_id: 'r', revenue: Number.NaN })).toBe(false);
    expect(client.track(null as never)).toBe(false);
    expect(client.track({ ref_id: 'r', conversion_data: { n: 1n } })).toBe(false);
    expect(errors.map((e) => e.error.code)).toEqual([
      'GC_ERR_VALIDATION',
      'GC_ERR_VALIDATION',
      'GC_ERR_VALIDATION',
    ]);
    await client.flush();
    expect(receiver.requests).toHaveLength(0);
    expect(client.stats.dropped).toBe(3);
  });

  it('an onError that throws does not break track()', async () => {
    const { receiver } = await setup();
    const client = createClient({
      apiKey: API_KEY,
      baseUrl: receiver.url,
      onError: () => {
        throw new Error('handler bug');
      },
    });
    expect(client.track({ ref_id: '' })).toBe(false);
    await client.close();
  });

  it('refuses the newest postback when the queue is full, reporting each refusal', async () => {
    const { receiver, client, errors } = await setup({ maxQueueSize: 5, maxConcurrency: 1 });
    receiver.inject({ delayMs: 100 });
    const accepted = Array.from({ length: 8 }, (_, i) => client.track({ ref_id: `r${i}` }));
    expect(accepted).toEqual([true, true, true, true, true, false, false, false]);
    expect(errors.map((e) => e.error.code)).toEqual([
      'GC_ERR_QUEUE_FULL',
      'GC_ERR_QUEUE_FULL',
      'GC_ERR_QUEUE_FULL',
    ]);
    expect(errors.map((e) => (e.postback as { ref_id: string }).ref_id)).toEqual(['r5', 'r6', 'r7']);
    await client.flush();
    expect(receiver.postbacks.map((p) => p.ref_id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(client.stats).toMatchObject({ delivered: 5, dropped: 3 });
  });

  it('flush(timeout) resolves false when delivery takes longer, and delivery goes on', async () => {
    const { receiver, client } = await setup();
    receiver.inject({ delayMs: 300 });
    client.track({ ref_id: 'slow' });
    await expect(client.flush(20)).resolves.toBe(false);
    await expect(client.flush()).resolves.toBe(true);
    expect(receiver.postbacks).toHaveLength(1);
  });

  it('flush(Infinity) and close(Infinity) wait instead of giving up at once', async () => {
    const { receiver, client } = await setup();
    receiver.inject({ delayMs: 100, times: 2 });
    client.track({ ref_id: 'a' });
    await expect(client.flush(Number.POSITIVE_INFINITY)).resolves.toBe(true);
    client.track({ ref_id: 'b' });
    await expect(client.close(Number.POSITIVE_INFINITY)).resolves.toEqual({
      delivered: 2,
      failed: 0,
      dropped: 0,
    });
    expect(receiver.postbacks).toHaveLength(2);
  });

  it('counts a hostile input after close() once, as closed', async () => {
    const { client, errors } = await setup();
    await client.close();
    const hostile = {
      get ref_id(): string {
        throw new Error('boom');
      },
    };
    expect(client.track(hostile as never)).toBe(false);
    expect(client.stats.dropped).toBe(1);
    expect(errors.map((e) => e.error.code)).toEqual(['GC_ERR_CLOSED']);
  });

  it('close() delivers what is queued, refuses new postbacks, and is idempotent', async () => {
    const { receiver, client, errors } = await setup();
    receiver.inject({ delayMs: 100 });
    for (let i = 0; i < 10; i++) client.track({ ref_id: `r${i}` });
    const closing = client.close();
    expect(client.close()).toBe(closing);
    expect(client.closed).toBe(true);
    expect(client.track({ ref_id: 'late' })).toBe(false);
    await expect(client.send({ ref_id: 'late' })).rejects.toMatchObject({ code: 'GC_ERR_CLOSED' });
    await expect(closing).resolves.toEqual({ delivered: 10, failed: 0, dropped: 1 });
    expect(receiver.postbacks).toHaveLength(10);
    expect(errors.map((e) => e.error.code)).toEqual(['GC_ERR_CLOSED']);
  });

  it('close() abandons what it cannot deliver by its deadline, reporting each one, and never rejects', async () => {
    const { receiver, client, errors } = await setup({ maxConcurrency: 1 });
    receiver.inject({ delayMs: 30_000, times: 10 });
    for (let i = 0; i < 3; i++) client.track({ ref_id: `r${i}` });
    await vi.waitFor(() => expect(receiver.connections).toBe(1));
    const started = Date.now();
    await expect(client.close(100)).resolves.toEqual({ delivered: 0, failed: 0, dropped: 3 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(errors.map((e) => e.error.code)).toEqual(['GC_ERR_CLOSED', 'GC_ERR_CLOSED', 'GC_ERR_CLOSED']);
    expect(errors.map((e) => (e.postback as { ref_id: string }).ref_id).sort()).toEqual(['r0', 'r1', 'r2']);
  });

  it('with a dispatcher of yours: close() aborts its requests at the deadline and leaves it open', async () => {
    const { receiver } = await setup();
    const agent = new Agent();
    const errors: string[] = [];
    const client = createClient({
      apiKey: API_KEY,
      baseUrl: receiver.url,
      ...FAST,
      dispatcher: agent,
      onError: (error) => errors.push(error.code),
    });
    receiver.inject({ delayMs: 30_000 });
    client.track({ ref_id: 'slow' });
    await vi.waitFor(() => expect(receiver.connections).toBe(1));
    await expect(client.close(50)).resolves.toEqual({ delivered: 0, failed: 0, dropped: 1 });
    expect(errors).toEqual(['GC_ERR_CLOSED']);
    // The agent is still usable: closing it is its owner's job.
    const other = createClient({ apiKey: API_KEY, baseUrl: receiver.url, dispatcher: agent });
    await expect(other.send({ ref_id: 'after' })).resolves.toEqual({ status: 'ok' });
    await other.close();
    await agent.close();
  });

  it('close() cancels a pending retry wait', async () => {
    const { receiver, client, errors } = await setup({
      retryAfterMinMs: 60_000,
      retryAfterMaxMs: 60_000,
      deadlineMs: 120_000,
    });
    receiver.inject({ status: 503, retryAfter: 60 });
    client.track({ ref_id: 'r' });
    await receiver.waitForRequests(1);
    await expect(client.close(50)).resolves.toEqual({ delivered: 0, failed: 0, dropped: 1 });
    expect(errors[0]?.error.code).toBe('GC_ERR_CLOSED');
  });
});
