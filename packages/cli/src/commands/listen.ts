import {
  BASE_URL_ENV,
  GrowthChannelValidationError,
  POSTBACK_PATH,
  parsePostback,
} from '@growth-channel/core';
import { type ReceivedRequest, type Receiver, startReceiver } from '@growth-channel/testing';
import {
  CliError,
  EXIT_OK,
  EXIT_USAGE,
  flagOption,
  type OptionSpec,
  type OptionValues,
  parseCommand,
  parseInteger,
  parseNumber,
  stringOption,
  usageError,
} from '../args.js';
import { COMMAND_HELP, DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT } from '../help.js';
import { type Io, println, runCommand } from '../output.js';

const OPTIONS: Record<string, OptionSpec> = {
  port: { type: 'string' },
  host: { type: 'string' },
  'api-key': { type: 'string' },
  'fail-rate': { type: 'string' },
  json: { type: 'boolean' },
};

interface ListenOptions {
  port: number;
  host: string;
  apiKey: string | undefined;
  failRate: number;
  json: boolean;
}

/** `growth-channel listen`: the local receiver in the foreground until `io.signal` aborts. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  return runCommand(io, async () => {
    const { values, help } = parseCommand('listen', argv, OPTIONS);
    if (help) {
      io.stdout.write(COMMAND_HELP.listen);
      return EXIT_OK;
    }
    const options = resolve(values);
    const print = options.json
      ? (record: ReceivedRequest) => println(io.stdout, JSON.stringify(toJson(record, options)))
      : (record: ReceivedRequest) => println(io.stdout, toBlock(record, options));
    let receiver: Receiver;
    try {
      receiver = await startReceiver({
        port: options.port,
        host: options.host,
        failRate: options.failRate,
        ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
        onRequest: print,
      });
    } catch (error) {
      throw listenError(error, options);
    }
    // With --json, stdout carries only request lines so it can be piped to jq; the banner goes to stderr.
    const banner = options.json ? io.stderr : io.stdout;
    for (const line of bannerLines(receiver, options)) println(banner, line);

    await new Promise<void>((resolveStop) => {
      if (io.signal.aborted) resolveStop();
      else io.signal.addEventListener('abort', () => resolveStop(), { once: true });
    });
    const requests = receiver.requests;
    await receiver.close();
    const accepted = requests.filter((request) => request.accepted).length;
    println(io.stderr, `Stopped after ${requests.length} request(s), ${accepted} accepted.`);
    return EXIT_OK;
  });
}

function resolve(values: OptionValues): ListenOptions {
  const port = stringOption(values, 'port');
  const host = stringOption(values, 'host');
  const apiKey = stringOption(values, 'api-key');
  const failRate = stringOption(values, 'fail-rate');
  if (host === '') throw usageError('--host needs an address, e.g. 127.0.0.1 or 0.0.0.0', 'listen');
  if (apiKey === '') throw usageError('--api-key needs a non-empty value', 'listen');
  const rate = failRate === undefined ? 0 : parseNumber('fail-rate', failRate, 'listen');
  if (rate < 0 || rate > 1) {
    throw usageError(
      `--fail-rate must be a fraction from 0 to 1 (0.25 fails a quarter), got ${failRate}`,
      'listen',
    );
  }
  return {
    port: port === undefined ? DEFAULT_LISTEN_PORT : parseInteger('port', port, 0, 65_535, 'listen'),
    host: host ?? DEFAULT_LISTEN_HOST,
    apiKey,
    failRate: rate,
    json: flagOption(values, 'json'),
  };
}

function listenError(error: unknown, options: ListenOptions): CliError {
  const code = (error as { code?: unknown }).code;
  const where = `${options.host}:${options.port}`;
  if (code === 'EADDRINUSE') {
    return new CliError(`${where} is already in use; pick another --port (0 picks a free one)`, EXIT_USAGE);
  }
  if (code === 'EACCES') {
    return new CliError(`not allowed to listen on ${where}; use a --port above 1023`, EXIT_USAGE);
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new CliError(
      `cannot listen on ${options.host}: no such address on this machine; check --host`,
      EXIT_USAGE,
    );
  }
  return new CliError(
    `cannot listen on ${where}: ${error instanceof Error ? error.message : String(error)}`,
    EXIT_USAGE,
  );
}

function bannerLines(receiver: Receiver, options: ListenOptions): string[] {
  // A wildcard address is where the server listens, not an address a client can connect to.
  const reachable = receiver.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
  const keyLine =
    options.apiKey === undefined
      ? 'Accepting any non-empty X-Api-Key.'
      : `Accepting only the X-Api-Key given with --api-key (${options.apiKey.length} characters).`;
  const lines = [
    `Growth Channel receiver listening on ${receiver.url}`,
    `Endpoint: ${receiver.endpoint}`,
    keyLine,
  ];
  if (options.failRate > 0)
    lines.push(`Answering ${options.failRate * 100}% of postbacks with 503 (--fail-rate).`);
  if (reachable !== receiver.url) lines.push('Listening on every interface: other machines can reach it.');
  lines.push(
    'Point your app at it with:',
    `  export ${BASE_URL_ENV}=${reachable}`,
    'Press Ctrl+C to stop.',
    '',
  );
  return lines;
}

/** Why the receiver answered as it did, in plain words ("accepted" for a 200 ok). */
function outcome(record: ReceivedRequest, options: ListenOptions): string {
  if (record.accepted) return 'accepted';
  if (record.fault === 'random') return 'refused: random failure (--fail-rate)';
  if (record.fault === 'reset') return 'connection reset (fault)';
  if (record.fault === 'status') return 'refused: injected fault';
  switch (record.status) {
    case 404:
      return `refused: not the postback path (expected ${POSTBACK_PATH}); check the base URL's path`;
    case 405:
      return `refused: method ${record.method} not allowed; postbacks use POST`;
    case 401:
      if (record.headers['x-api-key'] === undefined) return 'refused: no X-Api-Key header';
      return options.apiKey === undefined
        ? 'refused: X-Api-Key was empty or sent twice'
        : 'refused: X-Api-Key is not the key given with --api-key';
    case 415:
      return `refused: Content-Type must be application/json, got ${record.headers['content-type'] ?? 'none'}`;
    case 413:
      return 'refused: body over 1 MiB';
    case 400:
      return `refused: ${bodyProblem(record)}`;
    default:
      return `answered ${record.status}`;
  }
}

function bodyProblem(record: ReceivedRequest): string {
  if (record.body === undefined) return 'the body is not JSON';
  try {
    parsePostback(record.body);
  } catch (error) {
    if (error instanceof GrowthChannelValidationError) return error.message;
  }
  return 'the body does not match the postback schema';
}

function toBlock(record: ReceivedRequest, options: ListenOptions): string {
  const lines = [
    `[${clock(record.receivedAt)}] ${record.method} ${record.path} -> ${record.status || 'no answer'} ${outcome(record, options)}`,
  ];
  if (record.rawBody === '') {
    lines.push('  body: (empty)');
  } else if (record.body === undefined) {
    lines.push('  body (not JSON):', indent(record.rawBody, 4));
  } else {
    lines.push('  body:', indent(JSON.stringify(record.body, null, 2), 4));
  }
  lines.push('  headers:');
  for (const [name, value] of Object.entries(safeHeaders(record.headers)))
    lines.push(`    ${name}: ${value}`);
  return `${lines.join('\n')}\n`;
}

function toJson(record: ReceivedRequest, options: ListenOptions): Record<string, unknown> {
  return {
    time: record.receivedAt.toISOString(),
    method: record.method,
    path: record.path,
    status: record.status,
    accepted: record.accepted,
    outcome: outcome(record, options),
    body: record.body === undefined ? record.rawBody : record.body,
    headers: safeHeaders(record.headers),
  };
}

/** The receiver already redacts `x-api-key`; credentials in other headers are hidden here too. */
function safeHeaders(headers: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    result[name] =
      name === 'x-api-key' || name === 'authorization' || name === 'cookie' ? '[redacted]' : value;
  }
  return result;
}

function clock(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}
