import { Writable } from 'node:stream';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import growthChannel, { createClient } from '../src/index.js';
import {
  API_KEY,
  addRoutes,
  clientOptions,
  onCleanup,
  receiverForTest,
  registerPlugins,
  SESSION_SECRET,
  startApp,
} from './helpers.js';

/** A pino destination that keeps every line written to it, parsed. */
function logLines(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      callback();
    },
  });
  return { stream, lines };
}

describe('app.close()', () => {
  it('delivers what was queued while the receiver was slow, without the response waiting for it', async () => {
    const { app, receiver } = await startApp();
    receiver.inject({ delayMs: 300 });

    const signup = await app.inject({ method: 'POST', url: '/signup?ref_id=abc123xyz' });
    expect(signup.json()).toEqual({ tracked: true });
    // The receiver records a delayed postback only once it answers: the response did not wait.
    expect(receiver.postbacks).toEqual([]);

    await app.close();
    expect(receiver.postbacks.map((body) => body.ref_id)).toEqual(['abc123xyz']);
  });

  it('closes the client the plugin created', async () => {
    const { app } = await startApp();
    const client = app.gc;
    expect(client.closed).toBe(false);

    await app.close();

    expect(client.closed).toBe(true);
  });

  it("flushes but does not close a client passed in: it is the caller's to close", async () => {
    const receiver = await receiverForTest();
    const client = createClient(clientOptions(receiver));
    onCleanup(() => client.close());
    const app = Fastify();
    await app.register(growthChannel, { client });
    addRoutes(app);
    expect(app.gc).toBe(client);
    receiver.inject({ delayMs: 200 });

    await app.inject({ method: 'POST', url: '/signup?ref_id=queued-id' });
    await app.close();

    expect(receiver.postbacks.map((body) => body.ref_id)).toEqual(['queued-id']);
    expect(client.closed).toBe(false);
    await client.send({ ref_id: 'after-close', event_name: 'still_works' });
    expect(receiver.postbacks.map((body) => body.ref_id)).toEqual(['queued-id', 'after-close']);
  });
});

describe('logging', () => {
  it('sends postback failures to app.log when no onError or logger is given, without the key', async () => {
    const receiver = await receiverForTest();
    const { stream, lines } = logLines();
    const app = Fastify({ logger: { level: 'warn', stream } });
    onCleanup(() => app.close());
    await app.register(growthChannel, { client: { ...clientOptions(receiver), maxRetries: 0 } });
    addRoutes(app);
    receiver.inject({ status: 400 });

    await app.inject({ method: 'POST', url: '/signup?ref_id=abc123xyz' });
    await app.close();

    const warnings = lines.filter((line) => String(line.msg).includes('postback not delivered'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, code: 'GC_ERR_HTTP' });
    expect(JSON.stringify(lines)).not.toContain(API_KEY);
  });

  it('warns at startup when a session plugin is registered after it (capture would miss the session)', async () => {
    const receiver = await receiverForTest();
    const warnings: string[] = [];
    const app = Fastify();
    onCleanup(() => app.close());
    await registerPlugins(app, 'cookie');
    await app.register(growthChannel, {
      client: clientOptions(receiver),
      logger: { warn: (message) => warnings.push(message) },
    });
    await app.register(fastifySession, { secret: SESSION_SECRET, cookie: { secure: false } });

    await app.ready();

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^@growth-channel\/fastify: a session plugin was registered after this plugin/,
    );
  });

  it('does not warn when the session plugin comes first', async () => {
    const warnings: string[] = [];
    await startApp({
      plugins: 'session',
      options: { logger: { warn: (message) => warnings.push(message) } },
    });
    expect(warnings).toEqual([]);
  });
});
