import type { Dispatcher } from 'undici';
import { GrowthChannelConfigError, type GrowthChannelError } from '../errors.js';
import type { Postback } from '../schema.js';

/** The documented production origin (plain http: see the README's security notes). */
export const DEFAULT_BASE_URL = 'http://gc-api-prod.us-east-1.elasticbeanstalk.com';

/** The endpoint path, appended to `baseUrl`. */
export const POSTBACK_PATH = '/api/public/growth-channel-postback/';

/** Environment variable read when `apiKey` is not given. */
export const API_KEY_ENV = 'GROWTH_CHANNEL_API_KEY';

/** Environment variable read when `baseUrl` is not given. */
export const BASE_URL_ENV = 'GROWTH_CHANNEL_BASE_URL';

/**
 * Optional diagnostics. Methods are called with a message and structured details that never
 * contain the API key. `console` fits; wrap pino/winston as `{ debug: (m, d) => log.debug(d, m) }`.
 */
export interface GrowthChannelLogger {
  debug?(message: string, details?: Record<string, unknown>): void;
  warn?(message: string, details?: Record<string, unknown>): void;
}

/** Called once for every postback that is refused, dropped or finally fails. Must not throw. */
export type ErrorHandler = (error: GrowthChannelError, postback: Postback | undefined) => void;

/** Options of {@link createClient}. Every one is optional. */
export interface ClientOptions {
  /**
   * The public API key sent as `X-Api-Key`. A missing key is reported at the first send, not here.
   * @default process.env.GROWTH_CHANNEL_API_KEY
   */
  apiKey?: string | undefined;
  /**
   * Origin (and optional path prefix) of the API; `/api/public/growth-channel-postback/` is appended.
   * @default process.env.GROWTH_CHANNEL_BASE_URL ?? 'http://gc-api-prod.us-east-1.elasticbeanstalk.com'
   */
  baseUrl?: string | URL | undefined;
  /** Time allowed for one attempt, answer body included. @default 10_000 */
  timeoutMs?: number;
  /** Time allowed to open a connection (ignored with a custom `dispatcher`). @default 5_000 */
  connectTimeoutMs?: number;
  /** Retries after the first attempt (so 4 means 5 attempts in all). @default 4 */
  maxRetries?: number;
  /** First backoff ceiling; it doubles each retry. @default 500 */
  backoffBaseMs?: number;
  /** Largest backoff ceiling. @default 30_000 */
  backoffMaxMs?: number;
  /** Smallest wait honoured from a `Retry-After` header. @default 1_000 */
  retryAfterMinMs?: number;
  /** Largest wait honoured from a `Retry-After` header. @default 300_000 */
  retryAfterMaxMs?: number;
  /** Time from leaving the queue after which a postback is given up, retries included. @default 60_000 */
  deadlineMs?: number;
  /** Deliveries in flight at once (also the connection pool size). @default 10 */
  maxConcurrency?: number;
  /** Postbacks held (waiting or in flight) by `track()`; more are refused and reported. @default 1_000 */
  maxQueueSize?: number;
  /** Default deadline of `flush()` and `close()`. @default 10_000 */
  closeTimeoutMs?: number;
  /** Reports every postback that is refused, dropped or finally fails. @default logs a warning */
  onError?: ErrorHandler | undefined;
  /** Debug-level hooks (deliveries, retries) and warnings (plain http). @default none */
  logger?: GrowthChannelLogger | undefined;
  /** An undici Dispatcher (proxy agent, MockAgent); the client then neither creates nor closes a pool. */
  dispatcher?: Dispatcher | undefined;
  /** Where `GROWTH_CHANNEL_*` variables are read from. @default process.env */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

export interface ResolvedClientOptions {
  apiKey: string | undefined;
  origin: string;
  path: string;
  endpoint: string;
  plainHttpToRemote: boolean;
  timeoutMs: number;
  connectTimeoutMs: number;
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  retryAfterMinMs: number;
  retryAfterMaxMs: number;
  deadlineMs: number;
  maxConcurrency: number;
  maxQueueSize: number;
  closeTimeoutMs: number;
  onError: ErrorHandler | undefined;
  logger: GrowthChannelLogger | undefined;
  dispatcher: Dispatcher | undefined;
}

const KNOWN_OPTIONS = new Set([
  'apiKey',
  'baseUrl',
  'timeoutMs',
  'connectTimeoutMs',
  'maxRetries',
  'backoffBaseMs',
  'backoffMaxMs',
  'retryAfterMinMs',
  'retryAfterMaxMs',
  'deadlineMs',
  'maxConcurrency',
  'maxQueueSize',
  'closeTimeoutMs',
  'onError',
  'logger',
  'dispatcher',
  'env',
]);

/** The longest delay setTimeout honours (2^31-1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function resolveClientOptions(options: ClientOptions = {}): ResolvedClientOptions {
  if (options === null || typeof options !== 'object') {
    throw configError('createClient() options must be an object.');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw configError(`unknown option \`${key}\`; allowed: ${[...KNOWN_OPTIONS].join(', ')}.`);
    }
  }
  const env = options.env ?? process.env;
  const apiKey = resolveApiKey(options.apiKey ?? env[API_KEY_ENV]);
  const { origin, path } = resolveBaseUrl(options.baseUrl ?? (env[BASE_URL_ENV] || DEFAULT_BASE_URL));
  const url = new URL(origin);
  const retryAfterMinMs = integer(options, 'retryAfterMinMs', 1_000, 0);
  const backoffBaseMs = integer(options, 'backoffBaseMs', 500, 0);
  return {
    apiKey,
    origin,
    path,
    endpoint: origin + path,
    plainHttpToRemote: url.protocol === 'http:' && !isLoopbackHost(url.hostname),
    timeoutMs: integer(options, 'timeoutMs', 10_000, 1),
    connectTimeoutMs: integer(options, 'connectTimeoutMs', 5_000, 1),
    maxRetries: integer(options, 'maxRetries', 4, 0),
    backoffBaseMs,
    backoffMaxMs: integer(options, 'backoffMaxMs', 30_000, backoffBaseMs),
    retryAfterMinMs,
    retryAfterMaxMs: integer(options, 'retryAfterMaxMs', 300_000, retryAfterMinMs),
    deadlineMs: integer(options, 'deadlineMs', 60_000, 1),
    maxConcurrency: integer(options, 'maxConcurrency', 10, 1),
    maxQueueSize: integer(options, 'maxQueueSize', 1_000, 1),
    closeTimeoutMs: integer(options, 'closeTimeoutMs', 10_000, 0),
    onError: optionalFunction(options, 'onError'),
    logger: resolveLogger(options.logger),
    dispatcher: resolveDispatcher(options.dispatcher),
  };
}

function resolveApiKey(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  // The message must never echo the value: it is a secret even when malformed.
  if (typeof value !== 'string' || !/^[\x21-\x7e]+$/.test(value)) {
    throw configError(
      `\`apiKey\` (or ${API_KEY_ENV}) must be a string of visible ASCII characters without spaces; check for a stray newline or quote.`,
    );
  }
  return value;
}

function resolveBaseUrl(value: unknown): { origin: string; path: string } {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw configError(
      `\`baseUrl\` (or ${BASE_URL_ENV}) must be an absolute http(s) URL such as 'https://api.example.com'.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configError(`\`baseUrl\` must use http: or https:, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw configError('`baseUrl` must not carry credentials; the key goes in `apiKey`.');
  }
  if (url.search || url.hash) {
    throw configError('`baseUrl` must not have a query string or fragment.');
  }
  const prefix = url.pathname.replace(/\/+$/, '');
  return { origin: url.origin, path: prefix + POSTBACK_PATH };
}

function resolveLogger(logger: unknown): GrowthChannelLogger | undefined {
  if (logger === undefined || logger === null) return undefined;
  if (typeof logger !== 'object' && typeof logger !== 'function') {
    throw configError('`logger` must be an object with optional `debug` and `warn` methods (console fits).');
  }
  return logger as GrowthChannelLogger;
}

function resolveDispatcher(dispatcher: unknown): Dispatcher | undefined {
  if (dispatcher === undefined || dispatcher === null) return undefined;
  if (typeof (dispatcher as Dispatcher).dispatch !== 'function') {
    throw configError('`dispatcher` must be an undici Dispatcher (Agent, Pool, ProxyAgent, MockAgent).');
  }
  return dispatcher as Dispatcher;
}

function integer(options: ClientOptions, name: keyof ClientOptions, fallback: number, min: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  // Every one of these ends up in a timer or a count; setTimeout turns more than 2^31-1 into 1 ms.
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER_MS) {
    throw configError(`\`${name}\` must be an integer from ${min} to ${MAX_TIMER_MS} (default ${fallback}).`);
  }
  return value;
}

function optionalFunction<K extends 'onError'>(options: ClientOptions, name: K): ClientOptions[K] {
  const value = options[name];
  if (value !== undefined && typeof value !== 'function') {
    throw configError(`\`${name}\` must be a function.`);
  }
  return value;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
}

function configError(message: string): GrowthChannelConfigError {
  return new GrowthChannelConfigError(`@growth-channel/core: ${message}`);
}
