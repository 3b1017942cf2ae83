import { createClient } from '@growth-channel/core';
import { FAST_RETRIES, startReceiver } from '@growth-channel/testing';
import { describe, expect, it } from 'vitest';
import { API_KEY, runCli, startCli } from './helpers.js';

const FAST = { ...FAST_RETRIES, maxRetries: 0, timeoutMs: 2_000 };

async function post(baseUrl: string, apiKey: string, refId: string): Promise<unknown> {
  const client = createClient({ ...FAST, apiKey, baseUrl, onError: () => {} });
  try {
    return await client.send({ ref_id: refId, event_name: 'user_converted', revenue: 12.5 });
  } catch (error) {
    return error;
  } finally {
    await client.close();
  }
}

describe.concurrent('growth-channel listen', () => {
  it('prints its URL and the export line, a readable block per postback, and exits 0 on SIGTERM', async () => {
    const cli = startCli(['listen', '--port', '0']);
    try {
      const [, url] = await cli.waitFor(
        'stdout',
        /export GROWTH_CHANNEL_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)\n/,
      );
      expect(cli.stdout()).toContain(`Growth Channel receiver listening on ${url}`);
      expect(await post(url as string, API_KEY, 'listen-1')).toEqual({ status: 'ok' });
      const [block] = await cli.waitFor('stdout', /\[\d\d:\d\d:\d\d\.\d{3}\] POST [^\n]+\n(?: {2}.*\n)+/);
      expect(block).toContain('POST /api/public/growth-channel-postback/ -> 200 accepted');
      expect(block).toContain(
        [
          '  body:',
          '    {',
          '      "ref_id": "listen-1",',
          '      "event_name": "user_converted",',
          '      "revenue": 12.5',
          '    }',
        ].join('\n'),
      );
      expect(block).toContain('    x-api-key: [redacted]');
      expect(block).toContain('    content-type: application/json');
      expect(cli.stdout()).not.toContain(API_KEY);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      expect(cli.stderr()).toContain('Stopped after 1 request(s), 1 accepted.');
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('--json prints one parseable line per request on stdout, the banner on stderr; says why a request was refused', async () => {
    const cli = startCli(['listen', '--port', '0', '--json', '--api-key', 'local-key']);
    try {
      const [, url] = await cli.waitFor('stderr', /export GROWTH_CHANNEL_BASE_URL=(\S+)\n/);
      expect(cli.stderr()).toContain('Accepting only the X-Api-Key given with --api-key (9 characters).');
      expect(cli.stdout()).toBe('');
      await post(url as string, 'local-key', 'json-1');
      await post(url as string, 'wrong-key', 'json-2');
      await cli.waitFor('stdout', /(?:.*\n){2}/);
      const lines = cli.stdout().trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      const [accepted, refused] = lines.map((line) => JSON.parse(line));
      expect(accepted).toMatchObject({
        method: 'POST',
        path: '/api/public/growth-channel-postback/',
        status: 200,
        accepted: true,
        outcome: 'accepted',
        body: { ref_id: 'json-1', event_name: 'user_converted', revenue: 12.5 },
        headers: { 'x-api-key': '[redacted]', 'content-type': 'application/json' },
      });
      expect(new Date(accepted.time).toString()).not.toBe('Invalid Date');
      expect(refused).toMatchObject({
        status: 401,
        accepted: false,
        outcome: 'refused: X-Api-Key is not the key given with --api-key',
      });
      expect(cli.stdout()).not.toContain('local-key');
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('--fail-rate 1 answers every postback 503 and says so', async () => {
    const cli = startCli(['listen', '--port', '0', '--fail-rate', '1']);
    try {
      const [, url] = await cli.waitFor('stdout', /export GROWTH_CHANNEL_BASE_URL=(\S+)\n/);
      expect(cli.stdout()).toContain('Answering 100% of postbacks with 503 (--fail-rate).');
      const error = await post(url as string, API_KEY, 'fail-1');
      expect(error).toMatchObject({ code: 'GC_ERR_HTTP', status: 503 });
      await cli.waitFor('stdout', /-> 503 refused: random failure \(--fail-rate\)/);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('exits 2 with one line when the port is taken, or on a bad --fail-rate / --port', async () => {
    const taken = await startReceiver();
    try {
      const port = new URL(taken.url).port;
      const busy = await runCli(['listen', '--port', port]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toBe(
        `growth-channel: 127.0.0.1:${port} is already in use; pick another --port (0 picks a free one)\n`,
      );
    } finally {
      await taken.close();
    }
    const rate = await runCli(['listen', '--fail-rate', '2']);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toMatch(/^growth-channel: --fail-rate must be a fraction from 0 to 1/);
    const port = await runCli(['listen', '--port', '70000']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(
      /^growth-channel: --port must be a whole number from 0 to 65535, got "70000"/,
    );
  });
});
