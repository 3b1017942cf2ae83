import { BASE_URL_ENV, type GrowthChannelError, isGrowthChannelError } from '@growth-channel/core';
import { CliError, EXIT_FAILED } from './args.js';

/** Where output goes: `process.stdout` fits. */
export interface Writer {
  write(text: string): unknown;
}

/** What a command may touch of the outside world, so it can run in a test as well as in a process. */
export interface Io {
  stdout: Writer;
  stderr: Writer;
  /** Where `GROWTH_CHANNEL_*` variables are read from. */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Aborted when a long-running command (`listen`) should stop: SIGINT, SIGTERM, or stdout's reader
   * went away (`listen --json | head -1`).
   */
  signal: AbortSignal;
}

/**
 * A process stream as a {@link Writer} that outlives its reader (`doctor | head -3`): from the stream's
 * first error on, writes are dropped, where an unhandled 'error' event would crash with a stack trace.
 * `onError` hears that first error.
 */
export function guardedWriter(
  stream: NodeJS.WritableStream,
  onError: (error: NodeJS.ErrnoException) => void,
): Writer {
  let open = true;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!open) return;
    open = false;
    onError(error);
  });
  return { write: (text: string) => open && stream.write(text) };
}

/** Prefix of every error and warning line, so a line in a CI log says where it came from. */
export const PROGRAM = 'growth-channel';

export function println(writer: Writer, text = ''): void {
  writer.write(`${text}\n`);
}

/** Writes the one stderr line of an error. */
export function printError(io: Io, message: string): void {
  println(io.stderr, `${PROGRAM}: ${oneLine(message)}`);
}

export function printWarning(io: Io, message: string): void {
  println(io.stderr, `${PROGRAM}: warning: ${oneLine(message)}`);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Runs a command body: a {@link CliError} becomes its one stderr line and exit code, anything else
 * one "unexpected" line and exit 1; the command itself only returns codes for the paths it expects.
 */
export async function runCommand(io: Io, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof CliError) {
      printError(io, error.message);
      return error.exitCode;
    }
    printError(io, `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILED;
  }
}

/** Shorter keys are placeholders like `test`, and scrubbing them would mangle ordinary output (`test-1`). */
const MIN_SCRUBBED_KEY_LENGTH = 8;

/**
 * Wraps `io` so that `secret` can never reach stdout or stderr, whatever path it takes there
 * (an answer body echoing headers, an error quoting its input).
 */
export function redactingIo(io: Io, secret: string | undefined): Io {
  if (secret === undefined || secret.length < MIN_SCRUBBED_KEY_LENGTH) return io;
  const scrub = (writer: Writer): Writer => ({
    write: (text: string) => writer.write(text.replaceAll(secret, '[redacted]')),
  });
  return { ...io, stdout: scrub(io.stdout), stderr: scrub(io.stderr) };
}

/** Where the key came from, to point the user at the right place when it is refused. */
export type KeySource = { kind: 'env' } | { kind: 'file'; path: string };

// Core names the base URL `baseUrl`, sometimes followed by the variable it also reads.
const BASE_URL_NAME = new RegExp(`\`?\\bbaseUrl\\b\`?(?: \\(or ${BASE_URL_ENV}\\)| / ${BASE_URL_ENV})?`, 'g');

/**
 * Rewrites core's option names as the flags and variables a CLI user types; `baseUrlSetting` is where
 * this command's base URL came from (`--base-url` or GROWTH_CHANNEL_BASE_URL), so the user fixes the
 * right one.
 */
export function cliWording(message: string, baseUrlSetting: string): string {
  return message
    .replace(/^@growth-channel\/core: /, '')
    .replace(BASE_URL_NAME, baseUrlSetting)
    .replace(/`?\bapiKey\b`?/g, 'the API key')
    .replace(/`?\btimeoutMs\b`?/g, '--timeout-ms');
}

/**
 * A URL as it may be printed: without the user name and password (`removed` says some were there).
 * A string that is not an http(s) URL loses everything up to its last "@", which may be a password too.
 */
export function withoutCredentials(raw: string): { text: string; removed: boolean } {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {}
  if (url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:')) {
    if (url.username === '' && url.password === '') return { text: raw, removed: false };
    url.username = '';
    url.password = '';
    return { text: url.href, removed: true };
  }
  const text = raw.replace(/^(\s*[a-z][a-z\d+.-]*:\/\/)?.*@/is, '$1');
  return { text, removed: text !== raw };
}

/** One line saying why a postback was not delivered and what to do about it. */
export function describeDeliveryError(
  error: unknown,
  source: KeySource | undefined,
  baseUrlSetting: string,
): string {
  if (!isGrowthChannelError(error)) {
    return `not delivered: ${error instanceof Error ? error.message : String(error)}`;
  }
  const facts: string[] = [error.code];
  if (error.status !== undefined) facts.push(`HTTP ${error.status}`);
  if (error.attempts !== undefined) facts.push(`${error.attempts} attempt${error.attempts === 1 ? '' : 's'}`);
  return `not delivered (${facts.join(', ')}): ${deliveryAdvice(error, source, baseUrlSetting)}`;
}

function deliveryAdvice(
  error: GrowthChannelError,
  source: KeySource | undefined,
  baseUrlSetting: string,
): string {
  if (error.status === 401 || error.status === 403) {
    const where =
      source?.kind === 'file'
        ? `check the key in ${source.path} (given with --api-key-file; it overrides GROWTH_CHANNEL_API_KEY)`
        : 'check GROWTH_CHANNEL_API_KEY';
    return `the endpoint answered ${error.status}: the API key was refused; ${where}.`;
  }
  const message = cliWording(error.message, baseUrlSetting);
  if (error.code === 'GC_ERR_NETWORK' || error.code === 'GC_ERR_TIMEOUT') {
    return `${message} Run "growth-channel doctor" to check the connection.`;
  }
  return message;
}

/** Milliseconds for humans: one decimal below 10 ms, whole numbers above. */
export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
