import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../src/index.js';
import { call } from './helpers.js';

let receiver: Receiver;

afterEach(async () => {
  await receiver.close();
});

describe('injected faults', () => {
  it('apply in FIFO order: 500, then 503 with Retry-After, then normal handling', async () => {
    receiver = await startReceiver();
    receiver.inject({ status: 500 });
    receiver.inject({ status: 503, retryAfter: 2 });

    const first = await call(receiver.endpoint, { ref_id: 'a' });
    expect(first.status).toBe(500);
    expect(first.json).toEqual({ status: 'error', message: 'injected fault' });
    expect(first.headers['retry-after']).toBeUndefined();

    const second = await call(receiver.endpoint, { ref_id: 'a' });
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('2');

    const third = await call(receiver.endpoint, { ref_id: 'a' });
    expect(third.status).toBe(200);
    expect(third.json).toEqual({ status: 'ok' });

    expect(receiver.requests.map((r) => [r.status, r.fault, r.accepted])).toEqual([
      [500, 'status', false],
      [503, 'status', false],
      [200, undefined, true],
    ]);
    expect(receiver.postbacks).toEqual([{ ref_id: 'a' }]);
  });

  it('apply `times` requests each, answer without validating, and skip other paths', async () => {
    receiver = await startReceiver({ apiKey: 'k' });
    receiver.inject({ status: 429, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT', times: 2 });
    expect((await call(`${receiver.url}/elsewhere`, {})).status).toBe(404);
    // No key and an invalid body: a status fault answers before any check.
    const a = await call(receiver.endpoint, { nope: 1 }, { headers: { 'x-api-key': undefined } });
    expect(a.status).toBe(429);
    expect(a.headers['retry-after']).toBe('Wed, 21 Oct 2026 07:28:00 GMT');
    expect((await call(receiver.endpoint, { ref_id: 'a' })).status).toBe(429);
    expect((await call(receiver.endpoint, { ref_id: 'a' }, { headers: { 'x-api-key': 'k' } })).status).toBe(
      200,
    );
  });

  it('can answer a 2xx that is not ok, as JSON or as text', async () => {
    receiver = await startReceiver();
    receiver.inject({ status: 200, body: { status: 'dropped' } });
    receiver.inject({ status: 502, body: '<html>Bad Gateway</html>' });

    const dropped = await call(receiver.endpoint, { ref_id: 'a' });
    expect(dropped.status).toBe(200);
    expect(dropped.json).toEqual({ status: 'dropped' });
    expect(dropped.headers['content-type']).toBe('application/json');

    const html = await call(receiver.endpoint, { ref_id: 'a' });
    expect(html.status).toBe(502);
    expect(html.text).toBe('<html>Bad Gateway</html>');
    expect(html.headers['content-type']).toBe('text/plain; charset=utf-8');

    expect(receiver.postbacks).toEqual([]);
    expect(receiver.requests.every((r) => !r.accepted)).toBe(true);
  });

  it('delay: waits, then handles the request normally', async () => {
    receiver = await startReceiver();
    receiver.inject({ delayMs: 50 });
    const started = performance.now();
    const answer = await call(receiver.endpoint, { ref_id: 'late' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(answer.status).toBe(200);
    expect(receiver.requests[0]).toMatchObject({ status: 200, fault: 'delay', accepted: true });
    expect(receiver.postbacks).toEqual([{ ref_id: 'late' }]);

    receiver.inject({ delayMs: 10 });
    expect((await call(receiver.endpoint, { ref_id: '' })).status).toBe(400);
  });

  it('delay: records requests in arrival order even when a later one answers first', async () => {
    receiver = await startReceiver();
    receiver.inject({ delayMs: 200 });
    const agent = new Agent({ connections: 2 });
    try {
      const slow = call(receiver.endpoint, { ref_id: 'first' }, { dispatcher: agent });
      await waitUntil(() => receiver.connections === 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await call(receiver.endpoint, { ref_id: 'second' }, { dispatcher: agent });
      expect(receiver.postbacks).toEqual([{ ref_id: 'second' }]);
      await slow;
      expect(receiver.postbacks).toEqual([{ ref_id: 'first' }, { ref_id: 'second' }]);
    } finally {
      await agent.close();
    }
  });

  it('close() during a long delay returns promptly and the client sees the socket close', async () => {
    receiver = await startReceiver();
    receiver.inject({ delayMs: 30_000 });
    const pending = call(receiver.endpoint, { ref_id: 'held' });
    const outcome = pending.then(
      () => 'answered',
      (error: Error) => error,
    );
    await waitUntil(() => receiver.connections === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));

    const started = performance.now();
    await receiver.close();
    expect(performance.now() - started).toBeLessThan(500);
    expect(await outcome).toBeInstanceOf(Error);
    expect(receiver.requests).toEqual([]);
  });

  it('reset: the client gets a socket error and the record says status 0', async () => {
    receiver = await startReceiver();
    receiver.inject({ reset: true });
    await expect(call(receiver.endpoint, { ref_id: 'a' })).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/),
    });
    expect(receiver.requests[0]).toMatchObject({ status: 0, fault: 'reset', accepted: false });
    expect(receiver.requests[0]?.body).toEqual({ ref_id: 'a' });
    expect((await call(receiver.endpoint, { ref_id: 'a' })).status).toBe(200);
  });

  it('failRate 1 answers 503 to every endpoint request, marked random', async () => {
    receiver = await startReceiver({ failRate: 1 });
    for (let i = 0; i < 3; i += 1) {
      const answer = await call(receiver.endpoint, { ref_id: 'a' });
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({ status: 'error' });
    }
    expect(receiver.requests.map((r) => r.fault)).toEqual(['random', 'random', 'random']);
    expect(receiver.postbacks).toEqual([]);
    // Injected faults come first.
    receiver.inject({ status: 500 });
    expect((await call(receiver.endpoint, { ref_id: 'a' })).status).toBe(500);
  });

  it('clear() drops pending faults and records', async () => {
    receiver = await startReceiver();
    receiver.inject({ status: 500, times: 5 });
    expect((await call(receiver.endpoint, { ref_id: 'a' })).status).toBe(500);
    receiver.clear();
    expect(receiver.requests).toEqual([]);
    expect((await call(receiver.endpoint, { ref_id: 'b' })).status).toBe(200);
    expect(receiver.postbacks).toEqual([{ ref_id: 'b' }]);
  });

  it('adds the extra headers of a status fault, e.g. a redirect Location', async () => {
    receiver = await startReceiver();
    receiver.inject({ status: 302, headers: { location: 'http://elsewhere.example/' } });
    const answer = await call(receiver.endpoint, { ref_id: 'a' });
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('http://elsewhere.example/');
  });

  it('refuses malformed faults at inject time', async () => {
    receiver = await startReceiver();
    const bad: unknown[] = [
      {},
      { status: 503, delayMs: 5 },
      { status: 99 },
      { status: 503, times: 0 },
      { status: 503, retryAfter: -1 },
      { status: 503, retryAfter: 1.5 },
      { status: 302, headers: { location: 'http://x\r\ny' } },
      { status: 302, headers: { 'bad name': 'x' } },
      { delayMs: -1 },
      { reset: false },
    ];
    for (const fault of bad) {
      expect(() => receiver.inject(fault as never), JSON.stringify(fault)).toThrow(/inject:/);
    }
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
