import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_KEY, closedPort, receiverFor, runCli } from './helpers.js';

const env = { GROWTH_CHANNEL_API_KEY: API_KEY };

/** A user name and password distinctive enough that finding either in any output means it leaked. */
const CREDENTIALS = 'gc_login_USER:gc_password_SECRET';

/** The output line of one check, e.g. `line(stdout, 'DNS')`. */
function line(stdout: string, name: string): string {
  return stdout.split('\n').find((text) => text.slice(5).startsWith(`${name} `)) ?? `(no ${name} line)`;
}

describe.concurrent('growth-channel doctor', () => {
  it('passes against the receiver: one ok line per check with timings, and sends no postback', async (context) => {
    const receiver = await receiverFor(context);
    const result = await runCli(['doctor', '--base-url', receiver.url, '--timeout-ms', '2000'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(line(result.stdout, 'API key')).toMatch(
      new RegExp(`^ok {3}API key {10}present, ${API_KEY.length} characters, from GROWTH_CHANNEL_API_KEY`),
    );
    expect(line(result.stdout, 'Base URL')).toContain(`postbacks go to ${receiver.endpoint}`);
    expect(line(result.stdout, 'Transport')).toMatch(/^ok .*plain http to this machine/);
    expect(line(result.stdout, 'DNS')).toMatch(/^ok .*127\.0\.0\.1 -> 127\.0\.0\.1 in [\d.]+ ms$/);
    expect(line(result.stdout, 'TCP connect')).toMatch(/^ok .*127\.0\.0\.1:\d+ in [\d.]+ ms$/);
    expect(line(result.stdout, 'HTTP')).toMatch(
      /^ok .*OPTIONS \/api\/public\/growth-channel-postback\/ answered 405 in [\d.]+ ms/,
    );
    expect(line(result.stdout, 'Test conversion')).toMatch(/^skip .*add --ref-id ID/);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('All checks passed.');
    expect(result.stdout).not.toContain(API_KEY);
    expect(receiver.postbacks).toEqual([]);
    expect(receiver.requests.map((request) => [request.method, request.headers['x-api-key']])).toEqual([
      ['OPTIONS', undefined],
    ]);
  });

  it('with --ref-id sends one real test conversion with the key', async (context) => {
    const receiver = await receiverFor(context);
    const result = await runCli(['doctor', '--base-url', receiver.url, '--ref-id', 'doctor-1'], env);
    expect(result.code).toBe(0);
    expect(line(result.stdout, 'Test conversion')).toMatch(
      /^ok .*\{"ref_id":"doctor-1"\} delivered in .*the key was accepted/,
    );
    expect(receiver.postbacks).toEqual([{ ref_id: 'doctor-1' }]);
  });

  it('fails the test conversion in plain words when the key is refused, without printing the key', async (context) => {
    const receiver = await receiverFor(context);
    const dir = await mkdtemp(join(tmpdir(), 'gc-doctor-'));
    context.onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'key');
    const wrong = 'wrong_key_SECRET_91x';
    await writeFile(file, `${wrong}\n`);
    const result = await runCli([
      'doctor',
      '--base-url',
      receiver.url,
      '--api-key-file',
      file,
      '--ref-id',
      'doctor-2',
    ]);
    expect(result.code).toBe(1);
    expect(line(result.stdout, 'API key')).toContain(
      `present, ${wrong.length} characters, from --api-key-file ${file}`,
    );
    expect(line(result.stdout, 'Test conversion')).toMatch(
      /^fail .*HTTP 401.*the API key was refused; check the key in/,
    );
    expect(result.stdout).toContain('1 check failed');
    expect(result.stdout + result.stderr).not.toContain(wrong);
  });

  it('fails with exit 1 and a plain message against a closed port, and reports a missing key', async () => {
    const port = await closedPort();
    const result = await runCli(['doctor', '--base-url', `http://127.0.0.1:${port}`, '--timeout-ms', '500']);
    expect(result.code).toBe(1);
    expect(line(result.stdout, 'API key')).toBe(
      'fail API key          no API key: set GROWTH_CHANNEL_API_KEY (e.g. export GROWTH_CHANNEL_API_KEY=...) or pass --api-key-file PATH',
    );
    expect(line(result.stdout, 'DNS')).toMatch(/^ok /);
    expect(line(result.stdout, 'TCP connect')).toBe(
      `fail TCP connect      connection refused at 127.0.0.1:${port}: nothing listens there; check the port in --base-url, or start the server`,
    );
    expect(line(result.stdout, 'HTTP')).toMatch(/^skip /);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
      '2 checks failed: do what the fail lines say, then run growth-channel doctor again.',
    );
  });

  it('fails on an invalid base URL in the words of core options check, skipping the network checks', async () => {
    const bad = await runCli(['doctor', '--base-url', 'ftp://example.com'], env);
    expect(bad.code).toBe(1);
    expect(line(bad.stdout, 'Base URL')).toBe(
      'fail Base URL         ftp://example.com (from --base-url): --base-url must use http: or https:, not ftp:',
    );
    expect(line(bad.stdout, 'DNS')).toMatch(/^skip /);
  });

  it('never prints the user name or password of a base URL, says they were removed, and names where the URL came from', async () => {
    const flag = await runCli(['doctor', '--base-url', `https://${CREDENTIALS}@api.example.com/v1`], env);
    expect(flag.code).toBe(1);
    expect(line(flag.stdout, 'Base URL')).toBe(
      'fail Base URL         https://api.example.com/v1 (from --base-url): --base-url must not carry a user name or password (removed from this output); the API key goes in GROWTH_CHANNEL_API_KEY or --api-key-file.',
    );
    expect(line(flag.stdout, 'DNS')).toBe('skip DNS              needs a valid base URL');
    // Without a scheme, URL parsing takes the user name for a protocol, which core's message would quote.
    const variable = await runCli(['doctor'], {
      ...env,
      GROWTH_CHANNEL_BASE_URL: `${CREDENTIALS}@api.example.com`,
    });
    expect(variable.code).toBe(1);
    expect(line(variable.stdout, 'Base URL')).toBe(
      "fail Base URL         api.example.com (from GROWTH_CHANNEL_BASE_URL): GROWTH_CHANNEL_BASE_URL must be an absolute http(s) URL such as 'https://api.example.com'; and GROWTH_CHANNEL_BASE_URL must not carry a user name or password (removed from this output); the API key goes in GROWTH_CHANNEL_API_KEY or --api-key-file.",
    );
    for (const result of [flag, variable]) {
      expect(`${result.stdout}${result.stderr}`.toLowerCase()).not.toMatch(/gc_login|gc_password/);
    }
  });

  it('names GROWTH_CHANNEL_BASE_URL in its advice when the URL came from there', async () => {
    const port = await closedPort();
    const result = await runCli(['doctor', '--timeout-ms', '500'], {
      ...env,
      GROWTH_CHANNEL_BASE_URL: `http://127.0.0.1:${port}`,
    });
    expect(result.code).toBe(1);
    expect(line(result.stdout, 'TCP connect')).toBe(
      `fail TCP connect      connection refused at 127.0.0.1:${port}: nothing listens there; check the port in GROWTH_CHANNEL_BASE_URL, or start the server`,
    );
  });

  it('warns (exit 0) about plain http to a host other than this machine', async (context) => {
    const receiver = await receiverFor(context);
    // 0.0.0.0 is not a loopback name, yet on Linux connecting to it reaches this machine: no network needed.
    const url = receiver.url.replace('127.0.0.1', '0.0.0.0');
    const result = await runCli(['doctor', '--timeout-ms', '2000'], { ...env, GROWTH_CHANNEL_BASE_URL: url });
    expect(result.code).toBe(0);
    expect(line(result.stdout, 'Base URL')).toContain(`${url} (from GROWTH_CHANNEL_BASE_URL)`);
    expect(line(result.stdout, 'Transport')).toMatch(
      /^warn .*plain http to a remote host: the API key and postbacks travel unencrypted/,
    );
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('No failures; 1 warning.');
  });

  it('fails the DNS check for a name that cannot resolve', async () => {
    // RFC 6761: resolvers answer NXDOMAIN for .invalid at once, so this stays offline and fast.
    const result = await runCli(['doctor', '--base-url', 'https://gc.invalid', '--timeout-ms', '1000'], env);
    expect(result.code).toBe(1);
    expect(line(result.stdout, 'Transport')).toBe('ok   Transport        https');
    expect(line(result.stdout, 'DNS')).toMatch(/^fail DNS {14}(cannot resolve|no answer for) gc\.invalid/);
    expect(line(result.stdout, 'TCP connect')).toBe('skip TCP connect      needs DNS');
  });
});
