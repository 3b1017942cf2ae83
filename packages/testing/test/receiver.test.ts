import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_RETRIES, POSTBACK_PATH, type Receiver, startReceiver } from '../src/index.js';
import { call } from './helpers.js';

let receiver: Receiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('connections', () => {
  it('keep-alive: sequential requests over one undici Pool reuse one connection', async () => {
    receiver = await startReceiver();
    const pool = new Pool(receiver.url, { connections: 1 });
    try {
      for (let i = 0; i < 5; i += 1) {
        expect((await call(receiver.endpoint, { ref_id: `r${i}` }, { dispatcher: pool })).status).toBe(200);
      }
      // Error answers must not close the connection either.
      expect((await call(receiver.endpoint, { ref_id: '' }, { dispatcher: pool })).status).toBe(400);
      receiver.inject({ status: 503 });
      expect((await call(receiver.endpoint, { ref_id: 'x' }, { dispatcher: pool })).status).toBe(503);
    } finally {
      await pool.close();
    }
    expect(receiver.postbacks).toHaveLength(5);
    expect(receiver.connections).toBe(1);
  });

  it('counts a new connection per client that does not reuse', async () => {
    receiver = await startReceiver();
    for (let i = 0; i < 2; i += 1) {
      const pool = new Pool(receiver.url);
      await call(receiver.endpoint, { ref_id: 'a' }, { dispatcher: pool });
      await pool.close();
    }
    expect(receiver.connections).toBe(2);
  });
});

describe('waiting', () => {
  it('waitForPostbacks resolves once enough postbacks arrived', async () => {
    receiver = await startReceiver();
    const waiting = receiver.waitForPostbacks(2);
    void call(receiver.endpoint, { ref_id: 'a' });
    void call(receiver.endpoint, { ref_id: '' });
    void call(receiver.endpoint, { ref_id: 'b' });
    const postbacks = await waiting;
    expect(postbacks.map((p) => p.ref_id).sort()).toEqual(['a', 'b']);
    await expect(receiver.waitForPostbacks(1)).resolves.toHaveLength(2);
    await expect(receiver.waitForRequests(3)).resolves.toHaveLength(3);
  });

  it('waitForPostbacks times out saying how many arrived', async () => {
    receiver = await startReceiver();
    await call(receiver.endpoint, { ref_id: 'a' });
    await call(receiver.endpoint, { ref_id: '' });
    await expect(receiver.waitForPostbacks(3, { timeoutMs: 50 })).rejects.toThrow(
      'waitForPostbacks: expected 3 postbacks within 50 ms but 1 arrived (requests answered: 200, 400)',
    );
    await expect(receiver.waitForRequests(5, { timeoutMs: 20 })).rejects.toThrow(
      /expected 5 requests.*but 2 arrived/,
    );
  });

  it('close() rejects pending waits instead of leaving them hanging', async () => {
    receiver = await startReceiver();
    const waiting = receiver.waitForPostbacks(1, { timeoutMs: 60_000 });
    await receiver.close();
    await expect(waiting).rejects.toThrow(/before the receiver was closed but 0 arrived/);
  });
});

describe('clientOptions()', () => {
  it('gives the configured key, the origin and fast retries; a request made with them is accepted', async () => {
    receiver = await startReceiver({ apiKey: 'configured-key' });
    const options = receiver.clientOptions();
    expect(options).toEqual({ apiKey: 'configured-key', baseUrl: receiver.url, ...FAST_RETRIES });
    const answer = await call(
      `${options.baseUrl}${POSTBACK_PATH}`,
      { ref_id: 'r' },
      {
        headers: { 'x-api-key': options.apiKey },
      },
    );
    expect(answer.status).toBe(200);
  });

  it('gives a placeholder key when any key is accepted', async () => {
    receiver = await startReceiver();
    const { apiKey } = receiver.clientOptions();
    expect(
      (await call(receiver.endpoint, { ref_id: 'r' }, { headers: { 'x-api-key': apiKey } })).status,
    ).toBe(200);
  });
});

describe('lifecycle and options', () => {
  it('close() is idempotent, never rejects, and frees the port', async () => {
    receiver = await startReceiver();
    const { url } = receiver;
    await call(receiver.endpoint, { ref_id: 'a' });
    await Promise.all([receiver.close(), receiver.close()]);
    await expect(receiver.close()).resolves.toBeUndefined();
    await expect(call(`${url}/`, {})).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('listens on a given port and rejects when it is taken', async () => {
    receiver = await startReceiver();
    const port = Number(new URL(receiver.url).port);
    await expect(startReceiver({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('brackets an IPv6 host in url', async (context) => {
    try {
      receiver = await startReceiver({ host: '::1' });
    } catch {
      context.skip('no IPv6 loopback here');
      return;
    }
    expect(receiver.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect((await call(receiver.endpoint, { ref_id: 'v6' })).status).toBe(200);
  });

  it.each([
    [{ apiKey: '' }, /apiKey/],
    [{ port: 70000 }, /port/],
    [{ path: 'no-slash' }, /path/],
    [{ failRate: 1.5 }, /failRate/],
    [{ host: '' }, /host/],
  ])('rejects invalid options %o, naming the option', async (options, message) => {
    await expect(startReceiver(options)).rejects.toThrow(message);
  });
});
