import { performance } from 'node:perf_hooks';
import {
  GrowthChannelValidationError,
  isValidRefId,
  type Postback,
  type PostbackInput,
  type PostbackRequestPreview,
  parsePostback,
} from '@growth-channel/core';
import {
  EXIT_FAILED,
  EXIT_OK,
  flagOption,
  inputError,
  type OptionSpec,
  type OptionValues,
  parseCommand,
  parseInteger,
  parseNumber,
  preview,
  stringOption,
  usageError,
} from '../args.js';
import { baseUrlSetting, MISSING_KEY_MESSAGE, makeClient, readApiKey, resolveBaseUrl } from '../config.js';
import { COMMAND_HELP } from '../help.js';
import {
  cliWording,
  describeDeliveryError,
  formatMs,
  type Io,
  printError,
  println,
  printWarning,
  redactingIo,
  runCommand,
} from '../output.js';

const OPTIONS: Record<string, OptionSpec> = {
  'ref-id': { type: 'string' },
  event: { type: 'string' },
  revenue: { type: 'string' },
  'tracker-id': { type: 'string' },
  data: { type: 'string' },
  'base-url': { type: 'string' },
  'api-key-file': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'max-retries': { type: 'string' },
  'dry-run': { type: 'boolean' },
};

/** The flag each postback field comes from, so a schema problem is reported in the user's terms. */
const FIELD_FLAGS: Record<string, string> = {
  ref_id: '--ref-id',
  event_name: '--event',
  revenue: '--revenue',
  tracker_id: '--tracker-id',
  conversion_data: '--data',
};

/** `growth-channel send`: validates, then sends one postback (or prints it with `--dry-run`). */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  return runCommand(io, async () => {
    if (argv.some((arg) => arg === '--api-key' || arg.startsWith('--api-key='))) {
      throw usageError(
        'send has no --api-key flag on purpose (a key on a command line lands in shell history); set GROWTH_CHANNEL_API_KEY or use --api-key-file PATH',
        'send',
      );
    }
    const { values, help } = parseCommand('send', argv, OPTIONS);
    if (help) {
      io.stdout.write(COMMAND_HELP.send);
      return EXIT_OK;
    }
    const postback = validate(buildInput(values));
    if (!isValidRefId(postback.ref_id)) {
      printWarning(
        io,
        `--ref-id "${preview(postback.ref_id)}" is not something capture would store (1 to 256 of letters, digits and - _ . ~ : + / =); sending it anyway`,
      );
    }
    const timeoutMs = optionalInteger(values, 'timeout-ms', 1, 3_600_000);
    const maxRetries = optionalInteger(values, 'max-retries', 0, 100);
    const { key, source } = await readApiKey(stringOption(values, 'api-key-file'), io.env);
    if (key === undefined) throw inputError(MISSING_KEY_MESSAGE);
    const safe = redactingIo(io, key);
    const baseUrl = resolveBaseUrl(stringOption(values, 'base-url'), io.env);
    const setting = baseUrlSetting(baseUrl);
    const client = makeClient(
      {
        apiKey: key,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(maxRetries === undefined ? {} : { maxRetries }),
        logger: { warn: (message) => printWarning(safe, cliWording(message, setting)) },
      },
      baseUrl,
    );
    try {
      if (flagOption(values, 'dry-run')) {
        printRequest(safe, client.preview(postback));
        println(safe.stderr, 'growth-channel: dry run: nothing was sent.');
        return EXIT_OK;
      }
      const started = performance.now();
      try {
        const response = await client.send(postback);
        println(
          safe.stdout,
          `Delivered to ${client.endpoint} in ${formatMs(performance.now() - started)}. Answer:`,
        );
        println(safe.stdout, JSON.stringify(response));
        return EXIT_OK;
      } catch (error) {
        printError(safe, describeDeliveryError(error, source, setting));
        return EXIT_FAILED;
      }
    } finally {
      await client.close(0);
    }
  });
}

function buildInput(values: OptionValues): PostbackInput {
  const refId = stringOption(values, 'ref-id');
  if (refId === undefined) throw usageError('--ref-id is required', 'send');
  const input: PostbackInput = { ref_id: refId };
  const event = stringOption(values, 'event');
  if (event !== undefined) input.event_name = event;
  const trackerId = stringOption(values, 'tracker-id');
  if (trackerId !== undefined) input.tracker_id = trackerId;
  const revenue = stringOption(values, 'revenue');
  if (revenue !== undefined) input.revenue = parseNumber('revenue', revenue, 'send');
  const data = stringOption(values, 'data');
  if (data !== undefined) input.conversion_data = parseData(data);
  return input;
}

function parseData(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw usageError(
      `--data must be a JSON object such as '{"plan":"pro"}'; it is not valid JSON (${why})`,
      'send',
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw usageError(`--data must be a JSON object such as '{"plan":"pro"}', got ${got}`, 'send');
  }
  return value as Record<string, unknown>;
}

/** Core's schema is the judge; its `field: message` issues are renamed to the flags that set them. */
function validate(input: PostbackInput): Postback {
  try {
    return parsePostback(input);
  } catch (error) {
    if (!(error instanceof GrowthChannelValidationError)) throw error;
    const issues = error.issues.map((issue) => {
      const [, field = '', nested, rest] = /^([a-z_]+)(\.[^:]*)?(:.*)$/s.exec(issue) ?? [];
      const flag = FIELD_FLAGS[field];
      if (flag === undefined) return issue;
      return nested === undefined ? `${flag}${rest}` : `${flag} (at ${nested.slice(1)})${rest}`;
    });
    throw inputError(`invalid postback: ${issues.join('; ')}`);
  }
}

function optionalInteger(values: OptionValues, name: string, min: number, max: number): number | undefined {
  const raw = stringOption(values, name);
  return raw === undefined ? undefined : parseInteger(name, raw, min, max, 'send');
}

/** The request as it would go on the wire (core's own preview); only the key is replaced. */
function printRequest(io: Io, request: PostbackRequestPreview): void {
  const url = new URL(request.url);
  const title = (name: string) =>
    name.replace(/(^|-)(\w)/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
  const lines = [
    `${request.method} ${request.url}`,
    `Host: ${url.host}`,
    ...Object.entries(request.headers).map(([name, value]) =>
      name === 'idempotency-key'
        ? 'Idempotency-Key: <a new random UUID, the same for every retry of this postback>'
        : `${title(name)}: ${value}`,
    ),
    `Content-Length: ${Buffer.byteLength(request.body)}`,
    '',
    request.body,
  ];
  println(io.stdout, lines.join('\n'));
}
