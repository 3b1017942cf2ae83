import type { CloseResult } from '../client/client.js';
import { createClient, type GrowthChannelClient, isGrowthChannelClient } from '../client/client.js';
import type { ClientOptions } from '../client/options.js';
import { GrowthChannelCaptureError, GrowthChannelConfigError, type GrowthChannelError } from '../errors.js';
import { createRefIdExtractor, type RefIdExtractor } from '../ref-id.js';
import type { CaptureAdapter } from './adapter.js';
import { type CookieAttributes, decodeCookieValue, readCookie, serializeCookie } from './cookie.js';
import { type CaptureOptions, type ResolvedCaptureOptions, resolveCaptureOptions } from './options.js';
import { GcRequestContext } from './request-context.js';
import { signValue, unsignValue } from './signing.js';
import {
  decodeStoredRefId,
  encodeStoredRefId,
  fromSessionValue,
  type StoredRefId,
  sessionValue,
} from './stored-ref.js';

/** Session key under which the ref_id is stored. */
export const SESSION_KEY = 'growthChannel';

/** Where the current ref_id came from. */
export type RefIdOrigin = 'query' | 'session' | 'cookie';

/** One capture configuration, shared by every request of an app. Made by {@link createCapture}. */
export interface Capture<Req, Res> {
  /** Runs capture on one request and returns its `req.gc`. Never throws. */
  handle(req: Req, res: Res): GcRequestContext<Req, Res>;
  /** The client conversions are sent with. */
  readonly client: GrowthChannelClient;
  /** True when the capture created its client (and so closes it in {@link Capture.close}). */
  readonly ownsClient: boolean;
  /** Flushes and closes the client if this capture created it; a client passed in is only flushed. */
  close(timeoutMs?: number): Promise<CloseResult | undefined>;
  /**
   * Reports an adapter's own failure (as `GC_ERR_CAPTURE`) to `onError` and the debug logger, so
   * framework packages report through the same channel as core. Never throws.
   */
  reportCaptureError(what: string, cause: unknown): void;
}

/**
 * Builds a capture from options (validated here, errors prefixed with `packageName`) and a
 * framework adapter. Framework packages call this once per app.
 */
export function createCapture<Req, Res>(
  options: CaptureOptions<Req> | undefined,
  adapter: CaptureAdapter<Req, Res>,
  packageName = '@growth-channel/core',
): Capture<Req, Res> {
  const resolved = resolveCaptureOptions(options, packageName);
  const ownsClient = !isGrowthChannelClient(resolved.client);
  let client: GrowthChannelClient;
  if (isGrowthChannelClient(resolved.client)) {
    client = resolved.client;
  } else {
    try {
      client = createClient(withDefaults(resolved.client, resolved));
    } catch (error) {
      // Name the option as the user wrote it: `client.timeoutMs`, under the framework package's name.
      const message = (error as Error).message
        .replace(/^@growth-channel\/core: /, '')
        .replace(/`(\w+)`/, resolved.client === undefined ? '`$1`' : '`client.$1`');
      throw new GrowthChannelConfigError(`${packageName}: ${message}`, { cause: error });
    }
  }
  return new CaptureEngine(resolved, adapter, client, ownsClient);
}

function withDefaults<Req>(
  clientOptions: ClientOptions | undefined,
  resolved: ResolvedCaptureOptions<Req>,
): ClientOptions {
  const merged: ClientOptions = { ...clientOptions };
  if (merged.onError === undefined && resolved.onError !== undefined) merged.onError = resolved.onError;
  if (merged.logger === undefined && resolved.logger !== undefined) merged.logger = resolved.logger;
  return merged;
}

interface SessionLike {
  get?: (key: string) => unknown;
  set?: (key: string, value: unknown) => void;
  [key: string]: unknown;
}

/** @internal The per-app capture logic; request contexts call back into it. */
export class CaptureEngine<Req, Res> implements Capture<Req, Res> {
  readonly client: GrowthChannelClient;
  readonly ownsClient: boolean;
  readonly options: ResolvedCaptureOptions<Req>;
  readonly #adapter: CaptureAdapter<Req, Res>;
  readonly #extract: RefIdExtractor;
  #warnedNoSession = false;

  constructor(
    options: ResolvedCaptureOptions<Req>,
    adapter: CaptureAdapter<Req, Res>,
    client: GrowthChannelClient,
    ownsClient: boolean,
  ) {
    // Without `client`: its options hold the API key, and `options` is readable on this object.
    this.options = { ...options, client: undefined };
    this.#adapter = adapter;
    this.client = client;
    this.ownsClient = ownsClient;
    this.#extract = createRefIdExtractor({ param: options.params, validate: options.validate });
  }

  handle(req: Req, res: Res): GcRequestContext<Req, Res> {
    let fromQuery: string | undefined;
    try {
      fromQuery = this.#extract(this.#adapter.query(req));
    } catch (error) {
      this.reportCaptureError('reading the query failed', error);
    }
    const context = new GcRequestContext(this, req, res, fromQuery);
    if (fromQuery !== undefined && this.options.storage !== 'none' && context.consents()) {
      this.#store(req, res, context, fromQuery);
    }
    return context;
  }

  close(timeoutMs?: number): Promise<CloseResult | undefined> {
    if (this.ownsClient) return this.client.close(timeoutMs);
    return this.client.flush(timeoutMs).then(() => undefined);
  }

  hasConsent(req: Req): boolean {
    const consent = this.options.consent;
    if (consent === undefined) return true;
    try {
      return consent(req) === true;
    } catch (error) {
      this.reportCaptureError('the consent callback threw; treated as no consent', error);
      return false;
    }
  }

  /** Reads the stored ref_id (session or cookie), dropping it when invalid or outside the window. */
  readStored(req: Req): { stored: StoredRefId; origin: RefIdOrigin } | undefined {
    try {
      let where = this.#where(req);
      let stored: StoredRefId | undefined;
      if (where === 'session') {
        stored = fromSessionValue(sessionGet(this.#adapter.session(req) as SessionLike, SESSION_KEY));
        // With `auto`, a landing may have gone to the cookie because the session did not exist yet
        // (a session middleware mounted after capture, or only on some routes): look there too.
        if (stored === undefined && this.options.storage === 'auto') {
          stored = this.#readCookie(req);
          where = 'cookie';
        }
      } else if (where === 'cookie') {
        stored = this.#readCookie(req);
      }
      if (stored === undefined || where === undefined) return undefined;
      if (!this.#isValidStored(stored)) {
        this.debug('stored ref_id ignored (invalid or outside the attribution window)', { where });
        return undefined;
      }
      return { stored, origin: where };
    } catch (error) {
      this.reportCaptureError('reading the stored ref_id failed', error);
      return undefined;
    }
  }

  reportCaptureError(what: string, cause: unknown): void {
    const error = new GrowthChannelCaptureError(`Capture: ${what}.`, { cause });
    this.reportError(error);
  }

  reportError(error: GrowthChannelError): void {
    this.debug(error.message, { code: error.code });
    try {
      this.options.onError?.(error, undefined);
    } catch {
      // onError must not break the request.
    }
  }

  debug(message: string, details?: Record<string, unknown>): void {
    try {
      this.options.logger?.debug?.(`Growth Channel: ${message}`, details);
    } catch {}
  }

  #store(req: Req, res: Res, context: GcRequestContext<Req, Res>, refId: string): void {
    try {
      const where = this.#where(req);
      if (where === undefined) return;
      if (this.options.attribution === 'first') {
        const existing = this.readStored(req);
        if (existing !== undefined) {
          context.setStored(existing.stored, existing.origin);
          return;
        }
      }
      const stored: StoredRefId = { refId, capturedAt: Date.now() };
      if (where === 'session') {
        sessionSet(this.#adapter.session(req) as SessionLike, SESSION_KEY, sessionValue(stored));
      } else {
        this.#writeCookie(req, res, stored);
      }
      context.setStored(stored, where);
      this.debug('ref_id captured', { where });
    } catch (error) {
      this.reportCaptureError('storing the ref_id failed', error);
    }
  }

  #where(req: Req): 'session' | 'cookie' | undefined {
    const storage = this.options.storage;
    if (storage === 'none') return undefined;
    if (storage === 'cookie') return 'cookie';
    const session = this.#adapter.session(req);
    const hasSession = session !== null && typeof session === 'object';
    if (storage === 'session') {
      if (!hasSession && !this.#warnedNoSession) {
        this.#warnedNoSession = true;
        this.options.logger?.warn?.(
          "Growth Channel: storage is 'session' but the request has no session; register a session middleware before capture. Nothing is stored.",
        );
      }
      return hasSession ? 'session' : undefined;
    }
    return hasSession ? 'session' : 'cookie';
  }

  #readCookie(req: Req): StoredRefId | undefined {
    const raw = readCookie(this.#adapter.cookieHeader(req), this.options.cookie.name);
    if (raw === undefined) return undefined;
    let text = decodeCookieValue(raw);
    if (text === undefined) return undefined;
    if (this.options.secrets !== undefined) {
      text = unsignValue(text, this.options.secrets);
      if (text === undefined) {
        this.debug('capture cookie ignored: its signature does not match `secret`');
        return undefined;
      }
    }
    return decodeStoredRefId(text);
  }

  #writeCookie(req: Req, res: Res, stored: StoredRefId): void {
    const { cookie, secrets, maxAgeMs } = this.options;
    const encoded = encodeStoredRefId(stored);
    const value = secrets === undefined ? encoded : signValue(encoded, secrets[0] as string);
    const attributes: CookieAttributes = {
      maxAge: Math.floor(maxAgeMs / 1000),
      domain: cookie.domain,
      path: cookie.path,
      sameSite: cookie.sameSite,
      httpOnly: cookie.httpOnly,
      // Browsers refuse SameSite=None without Secure, so `auto` never leaves it out there.
      secure:
        cookie.sameSite === 'none' ||
        (cookie.secure === 'auto' ? this.#adapter.isSecure(req) : cookie.secure),
    };
    this.#adapter.setCookie(res, {
      name: cookie.name,
      value,
      attributes,
      header: serializeCookie(cookie.name, value, attributes),
    });
  }

  #isValidStored(stored: StoredRefId): boolean {
    const age = Date.now() - stored.capturedAt;
    if (age < -60_000 || age > this.options.maxAgeMs) return false;
    try {
      return this.options.validate(stored.refId) === true;
    } catch {
      return false;
    }
  }
}

function sessionGet(session: SessionLike, key: string): unknown {
  return typeof session.get === 'function' ? session.get(key) : session[key];
}

function sessionSet(session: SessionLike, key: string, value: unknown): void {
  if (typeof session.set === 'function') session.set(key, value);
  else session[key] = value;
}
