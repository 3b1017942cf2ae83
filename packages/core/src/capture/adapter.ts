import type { RefIdSource } from '../ref-id.js';
import type { CookieAttributes } from './cookie.js';

/** A cookie the capture wants set on the response. */
export interface CookieToSet {
  name: string;
  /** The raw value (not yet percent-encoded). */
  value: string;
  attributes: CookieAttributes;
  /** The complete `Set-Cookie` header value, value percent-encoded. */
  header: string;
}

/**
 * How a framework package shows core one request: the few fields capture needs. Each method
 * must be cheap; capture calls them at most once per request.
 */
export interface CaptureAdapter<Req, Res> {
  /** The request URL (path and query) or the framework's parsed query. */
  query(req: Req): RefIdSource;
  /** The raw `Cookie` header. */
  cookieHeader(req: Req): string | string[] | undefined;
  /** The session object, when a session middleware/plugin gave the request one. */
  session(req: Req): unknown;
  /** Whether the request arrived over https (honouring the framework's trust-proxy setting). */
  isSecure(req: Req): boolean;
  /** Adds the cookie to the response without removing other `Set-Cookie` headers. */
  setCookie(res: Res, cookie: CookieToSet): void;
}
