import { type GrowthChannelClient, isGrowthChannelClient } from '../client/client.js';
import { type ClientOptions, type ErrorHandler, type GrowthChannelLogger } from '../client/options.js';
import { GrowthChannelConfigError } from '../errors.js';
import { type RefIdValidator, resolveParamOption, resolveValidateOption } from '../ref-id.js';
import { isValidCookieAttribute, isValidCookieName } from './cookie.js';

/** Where a captured ref_id is kept between the landing and the conversion. */
export type CaptureStorage = 'auto' | 'session' | 'cookie' | 'none';

/** Which touch wins when a visitor lands more than once: the latest (`last`) or the first (`first`). */
export type AttributionPolicy = 'last' | 'first';

/** Settings of the capture cookie. */
export interface CaptureCookieOptions {
  /** @default 'gc_ref_id' */
  name?: string;
  /** @default the current host only */
  domain?: string;
  /** @default '/' */
  path?: string;
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none';
  /** @default true */
  httpOnly?: boolean;
  /** `'auto'`: set when the request is secure (https, or `X-Forwarded-Proto` behind a trusted proxy). @default 'auto' */
  secure?: boolean | 'auto';
}

/**
 * The capture options, with one meaning in every framework package.
 * `Req` is the framework's request type, passed to `consent`.
 */
export interface CaptureOptions<Req = unknown> {
  /** A client to send with, or options for one. @default a client configured from the environment */
  client?: GrowthChannelClient | ClientOptions;
  /** Query parameter name(s) carrying the ref_id. @default 'ref_id' */
  param?: string | readonly string[];
  /** Replaces the default ref_id rule (letters, digits, `-_.~:+/=`, 1 to 256). @default isValidRefId */
  validate?: RefIdValidator;
  /** Where the ref_id is kept: `auto` uses the session when the request has one, else a cookie. @default 'auto' */
  storage?: CaptureStorage;
  /** `last`: a new valid ref_id replaces the stored one; `first`: the first one is kept. @default 'last' */
  attribution?: AttributionPolicy;
  /** Attribution window in days: the cookie's lifetime, and older stored ref_ids are not sent. @default 30 */
  maxAgeDays?: number;
  /** Cookie settings (used when storage is `cookie`, or `auto` without a session). */
  cookie?: CaptureCookieOptions;
  /** Signs the cookie (HMAC-SHA256); a tampered or unsigned cookie is ignored. An array rotates: the first signs. */
  secret?: string | readonly string[];
  /** Return false when the visitor has not consented: nothing is stored and nothing is sent. @default always true */
  consent?: (req: Req) => boolean;
  /** Default `tracker_id` for every conversion (a conversion's own `tracker_id` wins). */
  trackerId?: string;
  /** Receives capture problems, and postback failures of a client this capture created. */
  onError?: ErrorHandler;
  /** Debug-level capture diagnostics; also given to a client this capture creates. */
  logger?: GrowthChannelLogger;
}

export interface ResolvedCaptureOptions<Req> {
  client: GrowthChannelClient | ClientOptions | undefined;
  params: readonly string[];
  validate: RefIdValidator;
  storage: CaptureStorage;
  attribution: AttributionPolicy;
  maxAgeMs: number;
  cookie: Required<Omit<CaptureCookieOptions, 'domain'>> & { domain: string | undefined };
  secrets: readonly string[] | undefined;
  consent: ((req: Req) => boolean) | undefined;
  trackerId: string | undefined;
  onError: ErrorHandler | undefined;
  logger: GrowthChannelLogger | undefined;
}

const CAPTURE_OPTION_NAMES = [
  'client',
  'param',
  'validate',
  'storage',
  'attribution',
  'maxAgeDays',
  'cookie',
  'secret',
  'consent',
  'trackerId',
  'onError',
  'logger',
] as const;

/** The capture option names, for framework packages that add options of their own. */
export const CAPTURE_OPTIONS: readonly string[] = CAPTURE_OPTION_NAMES;

const COOKIE_OPTION_NAMES = ['name', 'domain', 'path', 'sameSite', 'httpOnly', 'secure'];
const STORAGES: readonly CaptureStorage[] = ['auto', 'session', 'cookie', 'none'];
const ATTRIBUTIONS: readonly AttributionPolicy[] = ['last', 'first'];
const SAME_SITES = ['lax', 'strict', 'none'] as const;
const MIN_SECRET_LENGTH = 16;

/**
 * Validates capture options once, into a new object (the caller's is never mutated). Errors name
 * the option and start with `packageName`.
 */
export function resolveCaptureOptions<Req>(
  options: CaptureOptions<Req> | undefined,
  packageName = '@growth-channel/core',
): ResolvedCaptureOptions<Req> {
  const fail = (message: string): never => {
    throw new GrowthChannelConfigError(`${packageName}: ${message}`);
  };
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) fail('options must be an object.');
  for (const key of Object.keys(options)) {
    if (!(CAPTURE_OPTION_NAMES as readonly string[]).includes(key)) {
      fail(`unknown option \`${key}\`; allowed: ${CAPTURE_OPTION_NAMES.join(', ')}.`);
    }
  }
  const rethrowNamed = <T>(build: () => T): T => {
    try {
      return build();
    } catch (error) {
      return fail((error as Error).message);
    }
  };

  const client = options.client;
  if (
    client !== undefined &&
    !isGrowthChannelClient(client) &&
    (client === null || typeof client !== 'object')
  ) {
    fail('`client` must be a client from createClient() or an object of client options.');
  }

  const storage = options.storage ?? 'auto';
  if (!STORAGES.includes(storage))
    fail(`\`storage\` must be one of ${STORAGES.map((s) => `'${s}'`).join(', ')}.`);
  const attribution = options.attribution ?? 'last';
  if (!ATTRIBUTIONS.includes(attribution)) fail("`attribution` must be 'last' or 'first'.");

  const maxAgeDays = options.maxAgeDays ?? 30;
  if (typeof maxAgeDays !== 'number' || !Number.isFinite(maxAgeDays) || maxAgeDays <= 0 || maxAgeDays > 400) {
    fail(
      '`maxAgeDays` must be a number of days > 0 and <= 400 (browsers cap cookies at 400 days); default 30.',
    );
  }

  const cookieOptions = options.cookie ?? {};
  if (typeof cookieOptions !== 'object' || cookieOptions === null) fail('`cookie` must be an object.');
  for (const key of Object.keys(cookieOptions)) {
    if (!COOKIE_OPTION_NAMES.includes(key)) {
      fail(`unknown option \`cookie.${key}\`; allowed: ${COOKIE_OPTION_NAMES.join(', ')}.`);
    }
  }
  const name = cookieOptions.name ?? 'gc_ref_id';
  if (typeof name !== 'string' || !isValidCookieName(name))
    fail('`cookie.name` must be a valid cookie name token.');
  const path = cookieOptions.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/') || !isValidCookieAttribute(path)) {
    fail("`cookie.path` must start with '/' and contain no ';' or control characters.");
  }
  const domain = cookieOptions.domain;
  if (
    domain !== undefined &&
    (typeof domain !== 'string' || domain === '' || !isValidCookieAttribute(domain))
  ) {
    fail('`cookie.domain` must be a host name such as `.shop.example`.');
  }
  const sameSite = cookieOptions.sameSite ?? 'lax';
  if (!SAME_SITES.includes(sameSite)) fail("`cookie.sameSite` must be 'lax', 'strict' or 'none'.");
  const httpOnly = cookieOptions.httpOnly ?? true;
  if (typeof httpOnly !== 'boolean') fail('`cookie.httpOnly` must be a boolean.');
  const secure = cookieOptions.secure ?? 'auto';
  if (secure !== 'auto' && typeof secure !== 'boolean')
    fail("`cookie.secure` must be true, false or 'auto'.");
  if (sameSite === 'none' && secure === false) {
    fail(
      "`cookie.sameSite: 'none'` needs a Secure cookie; browsers refuse it otherwise. Use secure: true or 'auto'.",
    );
  }

  let secrets: readonly string[] | undefined;
  if (options.secret !== undefined) {
    const list = typeof options.secret === 'string' ? [options.secret] : options.secret;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)
    ) {
      fail(`\`secret\` must be a string (or array of strings) of at least ${MIN_SECRET_LENGTH} characters.`);
    }
    secrets = Object.freeze([...list]);
  }

  if (options.consent !== undefined && typeof options.consent !== 'function') {
    fail('`consent` must be a function (req) => boolean.');
  }
  if (
    options.trackerId !== undefined &&
    (typeof options.trackerId !== 'string' || options.trackerId === '')
  ) {
    fail('`trackerId` must be a non-empty string.');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    fail('`onError` must be a function (error, postback) => void.');
  }
  if (options.logger !== undefined && (options.logger === null || typeof options.logger !== 'object')) {
    fail('`logger` must be an object with optional `debug` and `warn` methods (console fits).');
  }

  return {
    client,
    params: rethrowNamed(() => resolveParamOption(options.param)),
    validate: rethrowNamed(() => resolveValidateOption(options.validate)),
    storage,
    attribution,
    maxAgeMs: maxAgeDays * 86_400_000,
    cookie: { name, domain, path, sameSite, httpOnly, secure },
    secrets,
    consent: options.consent,
    trackerId: options.trackerId,
    onError: options.onError,
    logger: options.logger,
  };
}
