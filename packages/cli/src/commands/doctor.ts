import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createClient, GrowthChannelConfigError, isLoopbackHost } from '@growth-channel/core';
import {
  CliError,
  EXIT_FAILED,
  EXIT_OK,
  type OptionSpec,
  parseCommand,
  parseInteger,
  stringOption,
  usageError,
} from '../args.js';
import {
  type ApiKey,
  type BaseUrl,
  baseUrlSetting,
  credentialsProblem,
  MISSING_KEY_MESSAGE,
  makeClient,
  readApiKey,
  resolveBaseUrl,
} from '../config.js';
import { COMMAND_HELP, DEFAULT_DOCTOR_TIMEOUT_MS } from '../help.js';
import {
  cliWording,
  describeDeliveryError,
  formatMs,
  type Io,
  println,
  redactingIo,
  runCommand,
  withoutCredentials,
} from '../output.js';

const OPTIONS: Record<string, OptionSpec> = {
  'base-url': { type: 'string' },
  'api-key-file': { type: 'string' },
  'ref-id': { type: 'string' },
  'timeout-ms': { type: 'string' },
};

/** The `code` of this module's own timeouts, told apart from system error codes. */
const TIMEOUT = 'GC_DOCTOR_TIMEOUT';

type Status = 'ok' | 'warn' | 'fail' | 'skip';

interface Check {
  status: Status;
  name: string;
  detail: string;
}

/** `growth-channel doctor`: one line per check, exit 1 when any check failed. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  return runCommand(io, async () => {
    const { values, help } = parseCommand('doctor', argv, OPTIONS);
    if (help) {
      io.stdout.write(COMMAND_HELP.doctor);
      return EXIT_OK;
    }
    const rawTimeout = stringOption(values, 'timeout-ms');
    const timeoutMs =
      rawTimeout === undefined
        ? DEFAULT_DOCTOR_TIMEOUT_MS
        : parseInteger('timeout-ms', rawTimeout, 1, 600_000, 'doctor');
    const refId = stringOption(values, 'ref-id');
    if (refId === '') throw usageError('--ref-id needs a non-empty tracking id', 'doctor');

    const checks: Check[] = [];
    let out = io;
    const report = (status: Status, name: string, detail: string): Status => {
      checks.push({ status, name, detail });
      println(out.stdout, `${status.padEnd(5)}${name.padEnd(17)}${detail}`);
      return status;
    };

    const baseUrl = resolveBaseUrl(stringOption(values, 'base-url'), io.env);
    const setting = baseUrlSetting(baseUrl);
    const keyFile = stringOption(values, 'api-key-file');
    const apiKey = await checkApiKey(io, refId !== undefined, keyFile, setting, report);
    out = redactingIo(io, apiKey?.key);

    const target = await checkBaseUrl(baseUrl, report);
    let reachable = false;
    if (target === undefined) {
      for (const name of ['DNS', 'TCP connect', 'HTTP']) report('skip', name, 'needs a valid base URL');
    } else {
      reachable = await checkNetwork(target, setting, timeoutMs, report);
    }

    if (refId === undefined) {
      report('skip', 'Test conversion', 'not sent; add --ref-id ID to send one real conversion with the key');
    } else if (apiKey?.key === undefined) {
      report('skip', 'Test conversion', 'needs an API key (see above)');
    } else if (!reachable || target === undefined) {
      report('skip', 'Test conversion', 'needs a reachable endpoint (see above)');
    } else {
      await checkConversion(apiKey, baseUrl, refId, timeoutMs, report);
    }

    const failed = checks.filter((check) => check.status === 'fail').length;
    const warned = checks.filter((check) => check.status === 'warn').length;
    println(out.stdout);
    if (failed > 0) {
      println(
        out.stdout,
        `${failed} check${failed === 1 ? '' : 's'} failed: do what the fail lines say, then run growth-channel doctor again.`,
      );
      return EXIT_FAILED;
    }
    println(
      out.stdout,
      warned > 0 ? `No failures; ${warned} warning${warned === 1 ? '' : 's'}.` : 'All checks passed.',
    );
    return EXIT_OK;
  });
}

type Report = (status: Status, name: string, detail: string) => Status;

async function checkApiKey(
  io: Io,
  willSend: boolean,
  file: string | undefined,
  setting: string,
  report: Report,
): Promise<ApiKey | undefined> {
  let apiKey: ApiKey;
  try {
    apiKey = await readApiKey(file, io.env);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    report('fail', 'API key', error.message);
    return undefined;
  }
  if (apiKey.key === undefined) {
    report('fail', 'API key', MISSING_KEY_MESSAGE);
    return apiKey;
  }
  try {
    // Core's own check of the key's shape; the origin is a placeholder and nothing connects.
    await createClient({ apiKey: apiKey.key, baseUrl: 'http://127.0.0.1', env: {} }).close(0);
  } catch (error) {
    if (!(error instanceof GrowthChannelConfigError)) throw error;
    report('fail', 'API key', cliWording(error.message, setting));
    return { key: undefined, source: apiKey.source };
  }
  const where =
    apiKey.source?.kind === 'file' ? `--api-key-file ${apiKey.source.path}` : 'GROWTH_CHANNEL_API_KEY';
  const verified = willSend
    ? 'checked by the test conversion below'
    : 'not verified: add --ref-id ID to test it';
  report('ok', 'API key', `present, ${apiKey.key.length} characters, from ${where} (${verified})`);
  return apiKey;
}

/**
 * Validates the base URL with core's own options check, and reports plain http to a remote host.
 * The URL is printed without its user name and password: they are secrets, even in a URL that is refused.
 */
async function checkBaseUrl(baseUrl: BaseUrl, report: Report): Promise<URL | undefined> {
  const setting = baseUrlSetting(baseUrl);
  const shown = withoutCredentials(baseUrl.url);
  const fail = (problem: string): undefined => {
    report('fail', 'Base URL', `${shown.text} (from ${baseUrl.setting ?? 'the default'}): ${problem}`);
    report('skip', 'Transport', 'needs a valid base URL');
    return undefined;
  };
  let client: ReturnType<typeof createClient>;
  try {
    client = createClient({
      // Core sees the URL with any user name and password taken out: its message could quote part of them.
      baseUrl: shown.text,
      env: {},
    });
  } catch (error) {
    if (!(error instanceof GrowthChannelConfigError)) throw error;
    const problem = cliWording(error.message, setting);
    if (!shown.removed) return fail(problem);
    return fail(`${problem.replace(/\.$/, '')}; and ${credentialsProblem(setting)}`);
  }
  if (shown.removed) {
    await client.close(0);
    return fail(credentialsProblem(setting));
  }
  const endpoint = client.endpoint;
  await client.close(0);
  report(
    'ok',
    'Base URL',
    `${shown.text} (from ${baseUrl.setting ?? 'the default'}); postbacks go to ${endpoint}`,
  );
  const target = new URL(endpoint);
  if (target.protocol === 'https:') report('ok', 'Transport', 'https');
  // Core's own rule for when it warns about plain http.
  else if (!isLoopbackHost(target.hostname)) {
    report(
      'warn',
      'Transport',
      `plain http to a remote host: the API key and postbacks travel unencrypted; put an https URL in ${setting} when one is available`,
    );
  } else report('ok', 'Transport', 'plain http to this machine: fine for local testing');
  return target;
}

/** DNS, then TCP, then an HTTP answer; each needs the one before. Returns whether the server answered. */
async function checkNetwork(
  target: URL,
  setting: string,
  timeoutMs: number,
  report: Report,
): Promise<boolean> {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);

  let started = performance.now();
  let address: { address: string; family: number };
  try {
    const addresses = await withTimeout(lookup(host, { all: true }), timeoutMs);
    address = addresses[0] as { address: string; family: number };
    const list = addresses.map((entry) => entry.address).join(', ');
    report('ok', 'DNS', `${host} -> ${list} in ${formatMs(performance.now() - started)}`);
  } catch (error) {
    report('fail', 'DNS', dnsAdvice(host, setting, error, timeoutMs));
    report('skip', 'TCP connect', 'needs DNS');
    report('skip', 'HTTP', 'needs DNS');
    return false;
  }

  const where = `${address.family === 6 ? `[${address.address}]` : address.address}:${port}`;
  started = performance.now();
  try {
    await tcpConnect(address.address, port, timeoutMs);
    report('ok', 'TCP connect', `${where} in ${formatMs(performance.now() - started)}`);
  } catch (error) {
    report('fail', 'TCP connect', connectAdvice(where, setting, error, timeoutMs));
    report('skip', 'HTTP', 'needs a TCP connection');
    return false;
  }

  started = performance.now();
  try {
    const { status, headers } = await probe(target, timeoutMs);
    const took = formatMs(performance.now() - started);
    const [verdict, advice] = httpVerdict(status, headers, setting);
    report(verdict, 'HTTP', `OPTIONS ${target.pathname} answered ${status} in ${took}: ${advice}`);
    return verdict !== 'fail';
  } catch (error) {
    report('fail', 'HTTP', httpAdvice(error, setting, timeoutMs));
    return false;
  }
}

function httpVerdict(status: number, headers: IncomingHttpHeaders, setting: string): [Status, string] {
  if (status >= 300 && status < 400) {
    const location =
      typeof headers.location === 'string' ? withoutCredentials(headers.location).text : 'another address';
    return [
      'fail',
      `a redirect to ${location}; postbacks are never redirected (the key would follow), so set ${setting} to the final address`,
    ];
  }
  if (status === 404) {
    return [
      'warn',
      `the server is up but has no postback endpoint there; check the path in ${setting} (/api/public/growth-channel-postback/ is appended to it)`,
    ];
  }
  if (status >= 500) {
    return ['warn', 'the server is reachable but failing now; postbacks sent now would be retried'];
  }
  return ['ok', 'the server is reachable (this probe sends no key; postbacks use POST)'];
}

async function checkConversion(
  apiKey: ApiKey,
  baseUrl: BaseUrl,
  refId: string,
  timeoutMs: number,
  report: Report,
): Promise<void> {
  const client = makeClient({ apiKey: apiKey.key, timeoutMs, maxRetries: 0 }, baseUrl);
  const started = performance.now();
  try {
    const response = await client.send({ ref_id: refId });
    report(
      'ok',
      'Test conversion',
      `{"ref_id":${JSON.stringify(refId)}} delivered in ${formatMs(performance.now() - started)}, answer ${JSON.stringify(response)}; the key was accepted`,
    );
  } catch (error) {
    report('fail', 'Test conversion', describeDeliveryError(error, apiKey.source, baseUrlSetting(baseUrl)));
  } finally {
    await client.close(0);
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

function dnsAdvice(host: string, setting: string, error: unknown, timeoutMs: number): string {
  const code = errorCode(error);
  if (code === TIMEOUT)
    return `no answer for ${host} within ${timeoutMs} ms: check this machine's DNS and network`;
  if (code === 'ENOTFOUND') {
    return `cannot resolve ${host} (ENOTFOUND): check the host name in ${setting}, or this machine's DNS`;
  }
  return `cannot resolve ${host} (${code}): check this machine's DNS and network`;
}

function connectAdvice(where: string, setting: string, error: unknown, timeoutMs: number): string {
  const code = errorCode(error);
  if (code === TIMEOUT) {
    return `no answer from ${where} within ${timeoutMs} ms: the host may be down, or a firewall drops the traffic`;
  }
  if (code === 'ECONNREFUSED') {
    return `connection refused at ${where}: nothing listens there; check the port in ${setting}, or start the server`;
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return `no route to ${where} (${code}): check this machine's network`;
  }
  return `cannot connect to ${where} (${code})`;
}

function httpAdvice(error: unknown, setting: string, timeoutMs: number): string {
  const code = errorCode(error);
  if (code === TIMEOUT) {
    return `connected, but no HTTP answer within ${timeoutMs} ms: is this an HTTP server? check the scheme and port in ${setting}`;
  }
  if (/CERT|SSL|TLS|SELF_SIGNED/i.test(code)) {
    return `the TLS handshake failed (${code}): the server's certificate is not trusted here; check the host name, or NODE_EXTRA_CA_CERTS for a private CA`;
  }
  if (code === 'ECONNRESET' || code === 'EPROTO' || code === 'HPE_INVALID_CONSTANT') {
    return `the connection broke before an HTTP answer (${code}): check the scheme (http vs https) and port in ${setting}`;
  }
  return `no HTTP answer (${code})`;
}

function timeoutError(): Error {
  return Object.assign(new Error('timed out'), { code: TIMEOUT });
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(timeoutError()), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** An OPTIONS request without the key: any answer proves an HTTP server listens at the endpoint. */
function probe(target: URL, timeoutMs: number): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      { method: 'OPTIONS', agent: false, headers: { 'user-agent': 'growth-channel-cli doctor' } },
      (res) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
        res.destroy();
      },
    );
    const timer = setTimeout(() => req.destroy(timeoutError()), timeoutMs);
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}
