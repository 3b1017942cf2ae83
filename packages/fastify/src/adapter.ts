import type { CaptureAdapter, CookieToSet } from '@growth-channel/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The part of `reply` that @fastify/cookie adds; typed here so this package does not depend on it. */
interface CookieReply {
  setCookie(name: string, value: string, options: Record<string, unknown>): unknown;
}

/** Maps a Fastify request and reply onto the few fields core's capture reads and writes. */
export const fastifyAdapter: CaptureAdapter<FastifyRequest, FastifyReply> = {
  // The raw URL rather than `request.query`: core scans it itself, so a custom querystringParser
  // (qs, arrays, nested objects) cannot change what counts as the ref_id.
  query: (request) => request.raw.url,
  cookieHeader: (request) => request.headers.cookie,
  // @fastify/session and @fastify/secure-session both decorate `request.session`; core handles
  // their get/set API as well as a plain object.
  session: (request) => (request as unknown as { session?: unknown }).session,
  // `request.protocol` honours the app's trustProxy setting (X-Forwarded-Proto behind a proxy).
  isSecure: (request) => request.protocol === 'https',
  setCookie: (reply, cookie) => {
    const cookieReply = reply as FastifyReply & Partial<CookieReply>;
    if (typeof cookieReply.setCookie === 'function') {
      cookieReply.setCookie(cookie.name, cookie.value, cookieOptions(cookie));
    } else {
      // Fastify appends to an existing set-cookie header instead of replacing it.
      reply.header('set-cookie', cookie.header);
    }
  },
};

// Every attribute is explicit so the app's @fastify/cookie `parseOptions` defaults cannot change the
// capture cookie: `signed` would wrap core's own signature in another, and a custom `encode` could
// produce a value core cannot decode.
function cookieOptions(cookie: CookieToSet): Record<string, unknown> {
  const { attributes } = cookie;
  return {
    maxAge: attributes.maxAge,
    expires: undefined,
    domain: attributes.domain,
    path: attributes.path,
    sameSite: attributes.sameSite,
    httpOnly: attributes.httpOnly,
    secure: attributes.secure,
    signed: false,
    encode: encodeURIComponent,
  };
}
