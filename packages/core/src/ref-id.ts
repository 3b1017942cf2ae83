import { GrowthChannelConfigError } from './errors.js';

/** Decides whether a decoded ref_id is acceptable. Must not throw; a throw counts as "invalid". */
export type RefIdValidator = (value: string) => boolean;

/**
 * What tracking macros produce: letters, digits and `- _ . ~ : + / =`, 1 to 256 characters.
 * Whitespace, control characters, quotes, angle brackets, `;`, `,`, `%` and non-ASCII are refused,
 * so a stored ref_id is always safe in a cookie, a log line and a JSON body.
 */
export const REF_ID_PATTERN: RegExp = /^[A-Za-z0-9\-_.~:+/=]{1,256}$/;

/** Values longer than this are ignored before decoding, whatever the validator says. */
export const MAX_REF_ID_INPUT_LENGTH = 4096;

/** The default query parameter that carries the tracking id. */
export const DEFAULT_REF_ID_PARAM = 'ref_id';

/** The default validator: {@link REF_ID_PATTERN}. */
export function isValidRefId(value: string): boolean {
  return REF_ID_PATTERN.test(value);
}

/** Options of {@link extractRefId} and {@link createRefIdExtractor}. */
export interface ExtractRefIdOptions {
  /**
   * Query parameter name(s) to look for, in order of preference.
   * @default 'ref_id'
   */
  param?: string | readonly string[];
  /**
   * Replaces the default rule ({@link isValidRefId}), e.g. `(v) => /^[0-9a-f]{32}$/.test(v)`.
   * @default isValidRefId
   */
  validate?: RefIdValidator;
}

/** A parsed query object as Express, Fastify or `querystring.parse` give it. */
export type QueryLike = { readonly [key: string]: unknown };

/** The one field of a Node request (`http.IncomingMessage`) that extraction needs. */
export interface RequestLike {
  readonly url?: string | undefined;
}

/** Anything {@link extractRefId} can read a ref_id from. */
export type RefIdSource = string | URL | URLSearchParams | QueryLike | RequestLike | null | undefined;

/** A function returning the ref_id found in a source, or `undefined`. It never throws. */
export type RefIdExtractor = (source: RefIdSource) => string | undefined;

/**
 * Builds an extractor once (options validated and resolved here), for use on every request.
 * @example
 * const extract = createRefIdExtractor({ param: ['ref_id', 'gc_ref'] });
 * extract('/landing?gc_ref=abc123'); // 'abc123'
 */
export function createRefIdExtractor(options: ExtractRefIdOptions = {}): RefIdExtractor {
  const params = resolveParamOption(options.param);
  const validate = resolveValidateOption(options.validate);
  const accept = (raw: unknown, decode: boolean): string | undefined => {
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_REF_ID_INPUT_LENGTH) return undefined;
    const value = decode ? decodeQueryComponent(raw) : raw;
    if (value === undefined) return undefined;
    try {
      return validate(value) === true ? value : undefined;
    } catch {
      return undefined;
    }
  };
  const fromValues = (values: unknown, decode: boolean): string | undefined => {
    if (Array.isArray(values)) {
      for (const value of values) {
        const found = accept(value, decode);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    return accept(values, decode);
  };
  const fromQueryString = (query: string): string | undefined => {
    for (const param of params) {
      const found = scanQueryString(query, param, accept);
      if (found !== undefined) return found;
    }
    return undefined;
  };

  return function extract(source: RefIdSource): string | undefined {
    try {
      if (source === null || source === undefined) return undefined;
      if (typeof source === 'string') return fromQueryString(queryPart(source));
      if (source instanceof URL) return fromQueryString(source.search.slice(1));
      if (source instanceof URLSearchParams) {
        for (const param of params) {
          const found = fromValues(source.getAll(param), false);
          if (found !== undefined) return found;
        }
        return undefined;
      }
      if (typeof source !== 'object') return undefined;
      const record = source as QueryLike;
      if (!params.some((param) => Object.hasOwn(record, param)) && typeof record.url === 'string') {
        return fromQueryString(queryPart(record.url));
      }
      for (const param of params) {
        if (!Object.hasOwn(record, param)) continue;
        // Frameworks have already percent-decoded parsed query objects.
        const found = fromValues(record[param], false);
        if (found !== undefined) return found;
      }
      return undefined;
    } catch {
      // Hostile objects (throwing getters, proxies) must not break the request path.
      return undefined;
    }
  };
}

const defaultExtractor = createRefIdExtractor();

/**
 * Returns the valid ref_id carried by `source`, or `undefined`. Never throws, whatever the input.
 * With several values for the parameter, the first valid one wins.
 * @example
 * extractRefId('https://shop.example/landing?ref_id=abc123'); // 'abc123'
 * extractRefId(req.query); // Express / Fastify parsed query
 * extractRefId(req, { param: 'gc_ref', validate: (v) => v.length === 32 });
 */
export function extractRefId(source: RefIdSource, options?: ExtractRefIdOptions): string | undefined {
  if (options === undefined) return defaultExtractor(source);
  return createRefIdExtractor(options)(source);
}

function queryPart(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return '';
  const hash = url.indexOf('#', start);
  return hash === -1 ? url.slice(start + 1) : url.slice(start + 1, hash);
}

// A hand scan instead of URLSearchParams: it only decodes the pairs whose key matches,
// which is what keeps extraction cheaper than `new URL(url).searchParams.get()`.
function scanQueryString(
  query: string,
  param: string,
  accept: (raw: string, decode: boolean) => string | undefined,
): string | undefined {
  let start = 0;
  let eq = -1;
  while (start < query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    // Search for '=' again only once past the last one found: keeps the scan linear when many
    // pairs have no '='.
    if (eq < start) {
      eq = query.indexOf('=', start);
      if (eq === -1) return undefined;
    }
    if (eq < end) {
      const key = query.slice(start, eq);
      if (key === param || (key.length > 0 && decodeQueryComponent(key) === param)) {
        const found = accept(query.slice(eq + 1, end), true);
        if (found !== undefined) return found;
      }
    }
    start = end + 1;
  }
  return undefined;
}

function decodeQueryComponent(raw: string): string | undefined {
  const plus = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return undefined;
  }
}

/** Validates the `param` option; shared by every package that accepts it. */
export function resolveParamOption(param: unknown, optionName = 'param'): readonly string[] {
  if (param === undefined) return [DEFAULT_REF_ID_PARAM];
  const list = typeof param === 'string' ? [param] : param;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((name) => typeof name === 'string' && name.length > 0)
  ) {
    throw new GrowthChannelConfigError(
      `\`${optionName}\` must be a non-empty string or a non-empty array of non-empty strings (default 'ref_id').`,
    );
  }
  return Object.freeze([...list]);
}

/** Validates the `validate` option; shared by every package that accepts it. */
export function resolveValidateOption(validate: unknown, optionName = 'validate'): RefIdValidator {
  if (validate === undefined) return isValidRefId;
  if (typeof validate !== 'function') {
    throw new GrowthChannelConfigError(
      `\`${optionName}\` must be a function (value: string) => boolean; omit it to use the default rule.`,
    );
  }
  return validate as RefIdValidator;
}
