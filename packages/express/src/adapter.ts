import { type CaptureAdapter, type CookieToSet } from '@growth-channel/core';
import type { Request, Response } from 'express';

/** How core's capture reads an Express request and writes an Express response. */
export const expressAdapter: CaptureAdapter<Request, Response> = {
  // The raw URL, not `req.query`: core's scanner decodes only the ref_id pair, and Express 4 (qs,
  // extended) and 5 (simple) would parse the same query string differently.
  query: (req) => req.originalUrl ?? req.url,
  // The header itself, so capture works with and without cookie-parser.
  cookieHeader: (req) => req.headers.cookie,
  // express-session and cookie-session both put the session on `req.session`.
  session: (req) => (req as { session?: unknown }).session,
  // `req.secure` honours the app's `trust proxy` setting for X-Forwarded-Proto.
  isSecure: (req) => req.secure,
  setCookie: (res: Response, cookie: CookieToSet) => {
    // `res.append` keeps the Set-Cookie headers other middleware (express-session, res.cookie) already set.
    res.append('Set-Cookie', cookie.header);
  },
};
