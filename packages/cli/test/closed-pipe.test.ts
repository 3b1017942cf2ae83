import { createClient } from '@growth-channel/core';
import { FAST_RETRIES } from '@growth-channel/testing';
import { describe, expect, it } from 'vitest';
import { API_KEY, receiverFor, startCli } from './helpers.js';

/** A stack trace, or Node's report of an unhandled 'error' event. */
const CRASH = /\n\s+at |Unhandled 'error' event|EPIPE/;

async function post(baseUrl: string, refId: string): Promise<void> {
  const client = createClient({
    ...FAST_RETRIES,
    maxRetries: 0,
    apiKey: API_KEY,
    baseUrl,
    onError: () => {},
  });
  try {
    await client.send({ ref_id: refId });
  } finally {
    await client.close();
  }
}

describe.concurrent('a reader that goes away (growth-channel ... | head)', () => {
  it('doctor | head -3: stops writing and exits with the code of the finished checks, without a stack trace', async (context) => {
    const receiver = await receiverFor(context);
    // Holds the HTTP check until well after the reader is gone, so its line meets a closed pipe.
    receiver.inject({ delayMs: 300 });
    const cli = startCli(['doctor', '--base-url', receiver.url, '--timeout-ms', '5000'], {
      GROWTH_CHANNEL_API_KEY: API_KEY,
    });
    try {
      await cli.waitFor('stdout', /^(?:.*\n){3}/);
      cli.child.stdout?.destroy();
      expect(await cli.exited).toBe(0);
      expect(cli.stderr()).toBe('');
      expect(receiver.requests.map((request) => request.method)).toEqual(['OPTIONS']);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('listen --json | head -1: stops the receiver and exits 0 with one line on stderr', async () => {
    const cli = startCli(['listen', '--port', '0', '--json']);
    try {
      const [, url] = await cli.waitFor('stderr', /export GROWTH_CHANNEL_BASE_URL=(\S+)\n/);
      await post(url as string, 'pipe-1');
      await cli.waitFor('stdout', /\n/);
      cli.child.stdout?.destroy();
      const banner = cli.stderr();
      await post(url as string, 'pipe-2');
      expect(await cli.exited).toBe(0);
      expect(cli.stderr()).toBe(`${banner}Stopped after 2 request(s), 2 accepted.\n`);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('listen keeps serving when only stderr is closed, and exits 0 quietly on SIGTERM', async () => {
    const cli = startCli(['listen', '--port', '0', '--json']);
    try {
      const [, url] = await cli.waitFor('stderr', /export GROWTH_CHANNEL_BASE_URL=(\S+)\n/);
      cli.child.stderr?.destroy();
      await post(url as string, 'pipe-3');
      const [line] = await cli.waitFor('stdout', /.*\n/);
      expect(JSON.parse(line)).toMatchObject({ accepted: true, body: { ref_id: 'pipe-3' } });
      // "Stopped after ..." now goes to the closed stderr.
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      expect(cli.stdout()).not.toMatch(CRASH);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
