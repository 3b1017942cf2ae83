import type { IncomingMessage } from 'node:http';
import {
  CAPTURE_OPTIONS,
  type CaptureOptions,
  type ErrorHandler,
  GrowthChannelConfigError,
  type GrowthChannelLogger,
} from '@growth-channel/core';
import { Logger, type MiddlewareConsumer, RequestMethod } from '@nestjs/common';
import { PACKAGE_NAME } from './growth-channel.constants.js';

/** A route as `MiddlewareConsumer.forRoutes()` takes it: a path, a `{ path, method }` or a controller class. */
// Derived from Nest's own signature: `RouteInfo` is not exported from the package root.
export type GrowthChannelRoute = Parameters<ReturnType<MiddlewareConsumer['apply']>['forRoutes']>[number];

/**
 * Options of `GrowthChannelModule.forRoot()`: the capture options shared by every Growth Channel
 * framework package, plus `routes`. `consent` receives the node request (Express's `req` on the
 * Express platform, the raw `IncomingMessage` on Fastify).
 */
export interface GrowthChannelModuleOptions extends CaptureOptions<IncomingMessage> {
  /**
   * Routes on which a `ref_id` in the query is captured and stored: paths (`'landing'` covers `/landing`
   * and every path below it, on both platforms), `{ path, method }` objects (that route only) or
   * controller classes (their routes). Conversions are tracked on every route either way: the stored
   * ref_id is read wherever a handler converts.
   * @default every route
   */
  routes?: readonly GrowthChannelRoute[];
}

/** Options of the module definition itself (not passed to the capture). */
export interface GrowthChannelModuleExtras {
  /**
   * Registers the module globally, so `@TrackConversion()` and `GrowthChannelService` work in every module.
   * @default true
   */
  isGlobal?: boolean;
}

/** The Nest-only options, resolved; the rest goes to core's `createCapture()`. */
export interface ResolvedModuleOptions {
  capture: CaptureOptions<IncomingMessage>;
  /** The routes as given to `forRoutes()` (path strings expanded), or `undefined` for every route. */
  routes: readonly GrowthChannelRoute[] | undefined;
  logger: GrowthChannelLogger;
  /** The user's `onError`, else a warning through `logger`. */
  onError: ErrorHandler;
}

const MODULE_OPTION_NAMES: readonly string[] = [...CAPTURE_OPTIONS, 'routes'];

function fail(message: string): never {
  throw new GrowthChannelConfigError(`${PACKAGE_NAME}: ${message}`);
}

/**
 * Checks the Nest-only options and splits them from the capture options (core validates those).
 * The caller's object is never mutated.
 */
export function resolveModuleOptions(options: GrowthChannelModuleOptions | undefined): ResolvedModuleOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    fail('options must be an object (or a factory resolving to one in forRootAsync).');
  }
  for (const key of Object.keys(options)) {
    if (!MODULE_OPTION_NAMES.includes(key)) {
      fail(
        `unknown option \`${key}\`; allowed: ${MODULE_OPTION_NAMES.join(', ')} (and isGlobal in forRoot).`,
      );
    }
  }
  const { routes, ...capture } = options;
  const logger = capture.logger ?? nestLogger();
  const onError = capture.onError ?? warnOnError(logger);
  return { capture: { ...capture, logger, onError }, routes: resolveRoutes(routes), logger, onError };
}

/**
 * The default `onError`: a warning with the error's code and message. Core only logs capture problems
 * at debug level when there is no `onError`; a module user should see them without configuring one.
 * Neither the cause nor the postback is logged: the message is all that is known to be safe to print.
 */
function warnOnError(logger: GrowthChannelLogger): ErrorHandler {
  return (error) => logger.warn?.(`Growth Channel: ${error.message}`, { code: error.code });
}

function resolveRoutes(routes: unknown): readonly GrowthChannelRoute[] | undefined {
  if (routes === undefined) return undefined;
  const usage =
    "`routes` must be a non-empty array of paths ('landing'), { path, method } objects or controller classes; omit it to capture on every route.";
  if (!Array.isArray(routes) || routes.length === 0) fail(usage);
  for (const route of routes as unknown[]) {
    const valid =
      (typeof route === 'string' && route.length > 0) ||
      typeof route === 'function' ||
      (typeof route === 'object' &&
        route !== null &&
        typeof (route as { path?: unknown }).path === 'string' &&
        typeof (route as { method?: unknown }).method === 'number');
    if (!valid) fail(usage);
  }
  return Object.freeze((routes as GrowthChannelRoute[]).flatMap(mountedRoutes));
}

/**
 * What a route becomes in `forRoutes()`. A path string covers that path and every path below it on
 * both platforms: given to `forRoutes()` as is, Express mounts it with `use()` (a prefix) while Nest's
 * Fastify adapter matches it exactly, so it is passed as an exact route plus a `{*wildcard}` below it,
 * which both read the same way (and Nest still applies the global prefix to both).
 */
function mountedRoutes(route: GrowthChannelRoute): GrowthChannelRoute[] {
  // A path with a wildcard (or a legacy regex group) already says what it covers.
  if (typeof route !== 'string' || /[*(]/.test(route)) return [route];
  const base = route.replace(/\/+$/, '');
  return [
    { path: base === '' ? '/' : base, method: RequestMethod.ALL },
    { path: `${base}/{*growthChannelSubPath}`, method: RequestMethod.ALL },
  ];
}

/** Validates the `isGlobal` extra (it never reaches the options provider). */
export function resolveIsGlobal(isGlobal: unknown): boolean {
  if (isGlobal === undefined) return true;
  if (typeof isGlobal !== 'boolean') fail('`isGlobal` must be a boolean (default true).');
  return isGlobal;
}

/** The default logger: Nest's, under the `GrowthChannel` context, so `app.useLogger()` and log levels apply. */
function nestLogger(): GrowthChannelLogger {
  const logger = new Logger('GrowthChannel');
  const format = (message: string, details?: Record<string, unknown>): string => {
    const text = message.replace(/^Growth Channel:\s*/, '');
    if (details === undefined) return text;
    try {
      return `${text} ${JSON.stringify(details)}`;
    } catch {
      return text;
    }
  };
  return {
    debug: (message, details) => logger.debug(format(message, details)),
    warn: (message, details) => logger.warn(format(message, details)),
  };
}
