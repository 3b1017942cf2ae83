import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  appendSetCookie,
  type Capture,
  type CaptureAdapter,
  createCapture,
  type GcContext,
  type GrowthChannelError,
  type GrowthChannelLogger,
} from '@growth-channel/core';
import { CAPTURE_ROUTE, GC_CONTEXT, PACKAGE_NAME } from './growth-channel.constants.js';
import {
  type GrowthChannelModuleOptions,
  type GrowthChannelRoute,
  resolveModuleOptions,
} from './growth-channel.options.js';

/** What the module's providers share: the core capture and the resolved Nest options. */
export interface CaptureHost {
  readonly capture: Capture<IncomingMessage, ServerResponse>;
  /** `undefined` when every route captures. */
  readonly routes: readonly GrowthChannelRoute[] | undefined;
  readonly logger: GrowthChannelLogger;
  /** Requests whose `@TrackConversion()` already ran (class- and method-level interceptors both fire). */
  readonly tracked: WeakSet<object>;
  debug(message: string, details?: Record<string, unknown>): void;
  /** Reports a problem that must not reach the response to `onError` (by default a warning). */
  report(error: GrowthChannelError): void;
}

type NodeRequest = IncomingMessage & {
  originalUrl?: string;
  secure?: boolean;
  session?: unknown;
  [CAPTURE_ROUTE]?: boolean;
};

/** Builds the module's capture; core validates the capture options and names the bad one. */
export function createCaptureHost(options: GrowthChannelModuleOptions | undefined): CaptureHost {
  const resolved = resolveModuleOptions(options);
  const capture = createCapture(resolved.capture, nodeAdapter(resolved.routes !== undefined), PACKAGE_NAME);
  const { logger, onError } = resolved;
  return {
    capture,
    routes: resolved.routes,
    logger,
    tracked: new WeakSet(),
    debug(message, details) {
      try {
        logger.debug?.(`Growth Channel: ${message}`, details);
      } catch {}
    },
    report(error) {
      try {
        onError(error, undefined);
      } catch {
        // A reporter that throws must not break the request it reports on.
      }
    },
  };
}

/**
 * The adapter is typed on node:http so the same middleware runs under Express and, through
 * `@fastify/middie`, under Fastify (which hands middleware the raw request and response).
 */
function nodeAdapter(restricted: boolean): CaptureAdapter<NodeRequest, ServerResponse> {
  return {
    query(req) {
      if (restricted && req[CAPTURE_ROUTE] !== true) return undefined;
      // originalUrl: Express and middie strip a mount path from `url`; the query is the same either way.
      return req.originalUrl ?? req.url;
    },
    cookieHeader: (req) => req.headers.cookie,
    session: (req) => req.session,
    isSecure(req) {
      // Express computes `secure` honouring its `trust proxy` setting.
      if (typeof req.secure === 'boolean') return req.secure;
      if ((req.socket as TLSSocket | undefined)?.encrypted === true) return true;
      // Fastify's raw request has no trust-proxy view. Trusting the header here is safe: it can only
      // add the Secure attribute, which restricts the cookie, and TLS is usually ended at a proxy.
      const header = req.headers['x-forwarded-proto'];
      const proto = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim().toLowerCase();
      return proto === 'https';
    },
    setCookie: (res, cookie) => setCookieKept(res, cookie.header),
  };
}

const KEPT_COOKIES = Symbol.for('@growth-channel/nestjs.keptCookies');

type KeepingResponse = ServerResponse & { [KEPT_COOKIES]?: string[] };

/**
 * Appends the cookie now, and again when the headers are written if something replaced `Set-Cookie`
 * in between: a handler's `res.setHeader('set-cookie', ...)`, or on Fastify `reply.header('set-cookie', ...)`,
 * which Fastify passes to `writeHead()` where it overrides what the raw response held.
 * The same late hook express-session uses (on-headers); Node always goes through `writeHead()`.
 */
function setCookieKept(res: KeepingResponse, header: string): void {
  appendSetCookie(res, header);
  const kept = res[KEPT_COOKIES];
  if (kept !== undefined) {
    kept.push(header);
    return;
  }
  const cookies = [header];
  res[KEPT_COOKIES] = cookies;
  const writeHead = res.writeHead;
  res.writeHead = function writeHeadKeepingCookies(this: ServerResponse, ...args: unknown[]) {
    const last = args.length > 1 ? args[args.length - 1] : undefined;
    const key =
      last !== null && typeof last === 'object' && !Array.isArray(last)
        ? Object.keys(last).find((name) => name.toLowerCase() === 'set-cookie')
        : undefined;
    if (key !== undefined) {
      const headers = last as Record<string, unknown>;
      args[args.length - 1] = { ...headers, [key]: withCookies(headers[key], cookies) };
    } else if (!this.headersSent) {
      const current = this.getHeader('set-cookie');
      const merged = withCookies(current, cookies);
      if (merged.length !== asList(current).length) this.setHeader('set-cookie', merged);
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function withCookies(value: unknown, cookies: readonly string[]): string[] {
  const list = asList(value);
  for (const cookie of cookies) if (!list.includes(cookie)) list.push(cookie);
  return list;
}

/**
 * The request's `GcContext`: on the request itself (Express, or a raw node request), else on
 * `request.raw` (a `FastifyRequest`, whose raw request went through the middleware).
 */
export function gcContextOf(request: unknown): GcContext | undefined {
  if (request === null || typeof request !== 'object') return undefined;
  const own = (request as { [GC_CONTEXT]?: GcContext })[GC_CONTEXT];
  if (own !== undefined) return own;
  const raw = (request as { raw?: unknown }).raw;
  if (raw === null || typeof raw !== 'object') return undefined;
  return (raw as { [GC_CONTEXT]?: GcContext })[GC_CONTEXT];
}
