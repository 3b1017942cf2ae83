import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, closedPort, receiverFor, runCli } from './helpers.js';

let dir: string;
const env = () => ({ GROWTH_CHANNEL_API_KEY: API_KEY });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gc-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectNoKey(result: { stdout: string; stderr: string }): void {
  expect(result.stdout).not.toContain(API_KEY);
  expect(result.stderr).not.toContain(API_KEY);
}

describe.concurrent('growth-channel send', () => {
  it('delivers exactly the documented body with the key and prints the answer', async (context) => {
    const receiver = await receiverFor(context);
    const result = await runCli(
      [
        'send',
        '--ref-id',
        'abc123',
        '--event',
        'user_converted',
        '--revenue',
        '49.5',
        '--tracker-id',
        'trk_1',
        '--data',
        '{"plan":"pro","seats":3}',
        '--base-url',
        receiver.url,
      ],
      env(),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(receiver.postbacks).toEqual([
      {
        ref_id: 'abc123',
        event_name: 'user_converted',
        revenue: 49.5,
        tracker_id: 'trk_1',
        conversion_data: { plan: 'pro', seats: 3 },
      },
    ]);
    expect(result.stdout).toContain(`Delivered to ${receiver.endpoint}`);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('{"status":"ok"}');
  });

  it('reads the base URL from GROWTH_CHANNEL_BASE_URL and accepts a negative revenue written as --revenue=-5', async (context) => {
    const receiver = await receiverFor(context);
    const result = await runCli(['send', '--ref-id', 'refund-1', '--revenue=-5'], {
      ...env(),
      GROWTH_CHANNEL_BASE_URL: receiver.url,
    });
    expect(result.code).toBe(0);
    expect(receiver.postbacks).toEqual([{ ref_id: 'refund-1', revenue: -5 }]);
  });

  it('retries a 503 with core client and then delivers', async (context) => {
    const receiver = await receiverFor(context);
    receiver.inject({ status: 503 });
    const result = await runCli(['send', '--ref-id', 'retry-1', '--base-url', receiver.url], env());
    expect(result.code).toBe(0);
    expect(receiver.requests.map((request) => request.status)).toEqual([503, 200]);
    expect(receiver.postbacks).toEqual([{ ref_id: 'retry-1' }]);
  });

  it('exits 1 with one line naming GROWTH_CHANNEL_API_KEY when the key is refused, never printing it', async (context) => {
    const receiver = await receiverFor(context);
    const wrong = `${API_KEY}_wrong`;
    const result = await runCli(['send', '--ref-id', 'abc123', '--base-url', receiver.url], {
      GROWTH_CHANNEL_API_KEY: wrong,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^growth-channel: not delivered \(GC_ERR_HTTP, HTTP 401, 1 attempt\): /);
    expect(lines[0]).toContain('GROWTH_CHANNEL_API_KEY');
    expect(result.stderr).not.toContain(wrong);
    expect(receiver.requests.map((request) => request.status)).toEqual([401]);
  });

  it('exits 1 when the endpoint cannot be reached, pointing at doctor', async () => {
    const port = await closedPort();
    const result = await runCli(
      [
        'send',
        '--ref-id',
        'abc',
        '--base-url',
        `http://127.0.0.1:${port}`,
        '--max-retries',
        '0',
        '--timeout-ms',
        '500',
      ],
      env(),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^growth-channel: not delivered \(GC_ERR_NETWORK, 1 attempt\): .*ECONNREFUSED.*doctor/,
    );
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exits 2 with a clear line when there is no API key, sending nothing', async (context) => {
    const receiver = await receiverFor(context);
    const result = await runCli(['send', '--ref-id', 'abc123', '--base-url', receiver.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'growth-channel: no API key: set GROWTH_CHANNEL_API_KEY (e.g. export GROWTH_CHANNEL_API_KEY=...) or pass --api-key-file PATH\n',
    );
    expect(receiver.requests).toEqual([]);
  });

  it('refuses an --api-key flag without echoing its value, and explains why', async (context) => {
    const receiver = await receiverFor(context);
    for (const args of [['--api-key', 'typed-secret-123'], ['--api-key=typed-secret-123']]) {
      const result = await runCli(['send', '--ref-id', 'abc', ...args, '--base-url', receiver.url]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no --api-key flag on purpose');
      expect(result.stderr).toContain('shell history');
      expect(result.stderr).not.toContain('typed-secret-123');
    }
    expect(receiver.requests).toEqual([]);
  });

  it('reads the key from --api-key-file (trimmed) and never prints it', async (context) => {
    const receiver = await receiverFor(context);
    const file = join(dir, 'key');
    await writeFile(file, `  ${API_KEY}\n`);
    await chmod(file, 0o600);
    const result = await runCli([
      'send',
      '--ref-id',
      'from-file',
      '--api-key-file',
      file,
      '--base-url',
      receiver.url,
    ]);
    expect(result.code).toBe(0);
    expect(receiver.postbacks).toEqual([{ ref_id: 'from-file' }]);
    expectNoKey(result);
  });

  it('prefers --api-key-file over GROWTH_CHANNEL_API_KEY and names the file when that key is refused', async (context) => {
    const receiver = await receiverFor(context);
    const file = join(dir, 'wrong-key');
    await writeFile(file, 'not-the-key\n');
    const result = await runCli(
      ['send', '--ref-id', 'abc', '--api-key-file', file, '--base-url', receiver.url],
      env(),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`check the key in ${file}`);
    expectNoKey(result);
  });

  it('exits 2 when --api-key-file cannot be read or is empty', async () => {
    const missing = await runCli(['send', '--ref-id', 'a', '--api-key-file', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^growth-channel: cannot read --api-key-file .*nope \(no such file\)/);
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    const blank = await runCli(['send', '--ref-id', 'a', '--api-key-file', empty]);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('is empty');
  });

  it('--dry-run prints the exact request with the key redacted and sends nothing', async (context) => {
    const receiver = await receiverFor(context);
    const result = await runCli(
      [
        'send',
        '--ref-id',
        'dry-1',
        '--event',
        'signup',
        '--data',
        '{"a":1}',
        '--base-url',
        receiver.url,
        '--dry-run',
      ],
      env(),
    );
    expect(result.code).toBe(0);
    const body = '{"ref_id":"dry-1","event_name":"signup","conversion_data":{"a":1}}';
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`POST ${receiver.endpoint}`);
    expect(lines).toContain('X-Api-Key: [redacted]');
    expect(lines).toContain('Content-Type: application/json');
    expect(lines).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(lines.at(-1)).toBe(body);
    expect(result.stderr).toContain('dry run: nothing was sent');
    expectNoKey(result);
    // The real send puts the same bytes on the wire.
    await runCli(
      ['send', '--ref-id', 'dry-1', '--event', 'signup', '--data', '{"a":1}', '--base-url', receiver.url],
      env(),
    );
    expect(receiver.requests.map((request) => request.rawBody)).toEqual([body]);
  });

  it('exits 2 on a bad --revenue, naming the flag and the value', async (context) => {
    const receiver = await receiverFor(context);
    const result = await runCli(
      ['send', '--ref-id', 'a', '--revenue', 'abc', '--base-url', receiver.url],
      env(),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'growth-channel: --revenue must be a number, got "abc" (see growth-channel send --help)\n',
    );
    expect(receiver.requests).toEqual([]);
  });

  it('exits 2 on --data that is not JSON, or not an object', async () => {
    const bad = await runCli(['send', '--ref-id', 'a', '--data', '{plan: pro}'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^growth-channel: --data must be a JSON object .*not valid JSON/);
    const array = await runCli(['send', '--ref-id', 'a', '--data', '[1,2]'], env());
    expect(array.code).toBe(2);
    expect(array.stderr).toContain('got an array');
  });

  it("reports core's schema problems in terms of the flags (exit 2)", async () => {
    const result = await runCli(['send', '--ref-id', 'a', '--data', '{"__proto__":{"x":1}}'], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'growth-channel: invalid postback: --data (at __proto__): the key `__proto__` is not allowed\n',
    );
    const empty = await runCli(['send', '--ref-id', ''], env());
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe('growth-channel: invalid postback: --ref-id: must not be empty\n');
  });

  it('exits 2 on a missing --ref-id, an unknown flag or a repeated flag', async () => {
    const missing = await runCli(['send'], env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('growth-channel: --ref-id is required (see growth-channel send --help)\n');
    const unknown = await runCli(['send', '--ref-id', 'a', '--revenu', '3'], env());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'growth-channel: unknown option --revenu for send; did you mean --revenue? (see growth-channel send --help)\n',
    );
    const twice = await runCli(['send', '--ref-id', 'a', '--ref-id', 'b'], env());
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--ref-id was given more than once');
  });

  it('exits 2 on a bad --base-url, in the words of core options check', async () => {
    const result = await runCli(['send', '--ref-id', 'a', '--base-url', 'ftp://example.com'], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('growth-channel: --base-url must use http: or https:, not ftp:\n');
  });

  it('names GROWTH_CHANNEL_BASE_URL, not --base-url, when a bad base URL came from the variable', async () => {
    const result = await runCli(['send', '--ref-id', 'a'], {
      ...env(),
      GROWTH_CHANNEL_BASE_URL: 'ftp://example.com',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'growth-channel: GROWTH_CHANNEL_BASE_URL must use http: or https:, not ftp:\n',
    );
  });

  it('refuses a base URL with a user name or password without printing them, naming where it came from', async () => {
    const flag = await runCli(
      ['send', '--ref-id', 'a', '--base-url', 'https://gc_login_USER:gc_password_SECRET@api.example.com'],
      env(),
    );
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe(
      'growth-channel: --base-url must not carry a user name or password (removed from this output); the API key goes in GROWTH_CHANNEL_API_KEY or --api-key-file.\n',
    );
    // Without a scheme, URL parsing takes the user name for a protocol, which core's message would quote.
    const variable = await runCli(['send', '--ref-id', 'a'], {
      ...env(),
      GROWTH_CHANNEL_BASE_URL: 'gc_login_USER:gc_password_SECRET@api.example.com',
    });
    expect(variable.code).toBe(2);
    expect(variable.stderr).toBe(
      'growth-channel: GROWTH_CHANNEL_BASE_URL must not carry a user name or password (removed from this output); the API key goes in GROWTH_CHANNEL_API_KEY or --api-key-file.\n',
    );
    for (const result of [flag, variable]) {
      expect(`${result.stdout}${result.stderr}`.toLowerCase()).not.toMatch(/gc_login|gc_password/);
    }
  });

  it('points at GROWTH_CHANNEL_BASE_URL when the endpoint it names answers 404', async (context) => {
    const receiver = await receiverFor(context);
    const result = await runCli(['send', '--ref-id', 'a', '--max-retries', '0'], {
      ...env(),
      GROWTH_CHANNEL_BASE_URL: `${receiver.url}/wrong`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^growth-channel: not delivered \(GC_ERR_HTTP, HTTP 404/);
    expect(result.stderr).toContain('check GROWTH_CHANNEL_BASE_URL (the postback path is appended to it)');
    expect(result.stderr).not.toContain('--base-url');
  });
});
