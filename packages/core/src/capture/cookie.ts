/** Attributes of the capture cookie, resolved (no "auto" left). */
export interface CookieAttributes {
  /** Lifetime in seconds (`Max-Age`). */
  maxAge: number;
  domain?: string | undefined;
  path: string;
  sameSite: 'lax' | 'strict' | 'none';
  httpOnly: boolean;
  secure: boolean;
}

// RFC 6265 token: what a cookie name may contain.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Path and domain must not be able to start another attribute.
const ATTRIBUTE_VALUE = /^[\x20-\x3a\x3c-\x7e]*$/;

export function isValidCookieName(name: string): boolean {
  return COOKIE_NAME.test(name);
}

export function isValidCookieAttribute(value: string): boolean {
  return ATTRIBUTE_VALUE.test(value);
}

/**
 * Returns the raw (still encoded) value of cookie `name` in a `Cookie` header, or `undefined`.
 * Never throws; only the named cookie is looked at, so a malformed neighbour is harmless.
 */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (typeof text !== 'string' || text.length === 0) return undefined;
  let start = 0;
  let eq = -1;
  while (start < text.length) {
    let end = text.indexOf(';', start);
    if (end === -1) end = text.length;
    // As in the query scan: look for '=' again only once past the last one, so the scan stays linear.
    if (eq < start) {
      eq = text.indexOf('=', start);
      if (eq === -1) return undefined;
    }
    if (eq < end && text.slice(start, eq).trim() === name) {
      let value = text.slice(eq + 1, end).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return value;
    }
    start = end + 1;
  }
  return undefined;
}

/** Percent-decodes a cookie value; `undefined` for malformed encodings. */
export function decodeCookieValue(value: string): string | undefined {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Builds a `Set-Cookie` header value. The value is percent-encoded. */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  let header = `${name}=${encodeURIComponent(value)}; Max-Age=${Math.floor(attributes.maxAge)}; Path=${attributes.path}`;
  if (attributes.domain) header += `; Domain=${attributes.domain}`;
  if (attributes.httpOnly) header += '; HttpOnly';
  if (attributes.secure) header += '; Secure';
  header += `; SameSite=${attributes.sameSite === 'lax' ? 'Lax' : attributes.sameSite === 'strict' ? 'Strict' : 'None'}`;
  return header;
}

/** The two methods of `http.ServerResponse` needed to add a header without clobbering others. */
export interface HeaderWritable {
  getHeader(name: string): number | string | string[] | undefined;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
}

/** Appends a `Set-Cookie` header, keeping those other middleware already set. */
export function appendSetCookie(res: HeaderWritable, header: string): void {
  const previous = res.getHeader('set-cookie');
  if (previous === undefined) res.setHeader('set-cookie', header);
  else if (Array.isArray(previous)) res.setHeader('set-cookie', [...previous, header]);
  else res.setHeader('set-cookie', [String(previous), header]);
}
