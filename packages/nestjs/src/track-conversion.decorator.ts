import { type ConversionFields, GrowthChannelConfigError } from '@growth-channel/core';
import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { PACKAGE_NAME, TRACK_CONVERSION_METADATA } from './growth-channel.constants.js';
import { isThenable, TrackConversionInterceptor } from './track-conversion.interceptor.js';

/** A postback field: a value, or a function of the handler's result and the request returning it. */
export type ConversionValue<T, Result, Req> = T | ((result: Result, request: Req) => T);

/**
 * `conversion_data` as a value: an object literal, or any object that is neither a promise nor a
 * function. Without the second rule a function, being an object, would be taken for the value and
 * an `async` one would compile; the index signature keeps object literals free of excess-property errors.
 */
type ConversionDataValue =
  | { [key: string]: unknown }
  | (object & { readonly then?: never; readonly [Symbol.hasInstance]?: never });

// A decorator cannot see the type its method returns, so `(r) => r.total` needs `any` to compile
// untyped; write `@TrackConversion<Order>(...)` (or annotate `r`) to have the result checked.
/**
 * Options of `@TrackConversion()`. `Result` is what the handler returns (awaited, or the last value
 * of its Observable); `Req` is the request as the handler sees it (Express or Fastify).
 */
// biome-ignore lint/suspicious/noExplicitAny: see above; the defaults keep untyped callbacks compiling.
export interface TrackConversionOptions<Result = any, Req = any> {
  /** The conversion's `revenue` (a finite number). @default none */
  revenue?: ConversionValue<ConversionFields['revenue'], Result, Req>;
  /** The conversion's `conversion_data` (a JSON object). @default none */
  conversion_data?: ConversionValue<ConversionDataValue | undefined, Result, Req>;
  /** The conversion's `tracker_id`, overriding the module's `trackerId`. @default the module's `trackerId` */
  tracker_id?: ConversionValue<ConversionFields['tracker_id'], Result, Req>;
  /**
   * Sends only when this returns a truthy value, synchronously (a returned promise sends nothing).
   * @default always sends
   */
  when?: (result: Result, request: Req) => boolean;
  /**
   * Delays the response until the endpoint accepted the postback; a delivery failure then becomes
   * the handler's error (a 500 unless an exception filter says otherwise). A throwing function is
   * still only reported.
   * @default false
   */
  await?: boolean;
}

/** What the decorator stores as metadata for the interceptor. */
export interface TrackConversionMetadata {
  readonly eventName: string | undefined;
  readonly options: TrackConversionOptions<unknown, unknown>;
}

const OPTION_NAMES = ['revenue', 'conversion_data', 'tracker_id', 'when', 'await'];

/**
 * Sends a conversion with the request's ref_id after the handler succeeded (a returned value, a
 * resolved promise, or a completed Observable). A handler that throws sends nothing; a request
 * without a ref_id sends nothing and logs at debug level. On a controller class it applies to every
 * handler, and a handler's own `@TrackConversion()` wins.
 * @example
 * ```ts
 * @Post('orders')
 * @TrackConversion('user_converted', {
 *   revenue: (order) => order.total,
 *   conversion_data: (order) => ({ order_id: order.id }),
 * })
 * create(@Body() body: CreateOrderDto) { return this.orders.create(body); }
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: as for TrackConversionOptions.
export function TrackConversion<Result = any, Req = any>(
  eventName?: string,
  options?: TrackConversionOptions<Result, Req>,
): ClassDecorator & MethodDecorator;
// biome-ignore lint/suspicious/noExplicitAny: as for TrackConversionOptions.
export function TrackConversion<Result = any, Req = any>(
  options: TrackConversionOptions<Result, Req>,
): ClassDecorator & MethodDecorator;
export function TrackConversion<Result, Req>(
  eventNameOrOptions?: string | TrackConversionOptions<Result, Req>,
  maybeOptions?: TrackConversionOptions<Result, Req>,
): ClassDecorator & MethodDecorator {
  const [eventName, options] =
    typeof eventNameOrOptions === 'object' && eventNameOrOptions !== null
      ? [undefined, eventNameOrOptions]
      : [eventNameOrOptions, maybeOptions];
  const metadata: TrackConversionMetadata = {
    eventName: checkEventName(eventName),
    options: checkOptions(options) as TrackConversionOptions<unknown, unknown>,
  };
  return applyDecorators(
    SetMetadata(TRACK_CONVERSION_METADATA, metadata),
    UseInterceptors(TrackConversionInterceptor),
  );
}

function fail(message: string): never {
  throw new GrowthChannelConfigError(`${PACKAGE_NAME}: @TrackConversion(): ${message}`);
}

function checkEventName(eventName: unknown): string | undefined {
  if (eventName === undefined) return undefined;
  if (typeof eventName !== 'string' || eventName === '') {
    fail('the event name must be a non-empty string (or omitted).');
  }
  return eventName;
}

function checkOptions<Result, Req>(
  options: TrackConversionOptions<Result, Req> | undefined,
): TrackConversionOptions<Result, Req> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    fail('options must be an object.');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) fail(`unknown option \`${key}\`; allowed: ${OPTION_NAMES.join(', ')}.`);
  }
  const fieldOk = (value: unknown, type: 'number' | 'string' | 'object') =>
    value === undefined || typeof value === 'function' || (typeof value === type && value !== null);
  if (!fieldOk(options.revenue, 'number'))
    fail('`revenue` must be a number or a function (result, request) => number.');
  if (!fieldOk(options.tracker_id, 'string')) {
    fail('`tracker_id` must be a string or a function (result, request) => string.');
  }
  if (!fieldOk(options.conversion_data, 'object') || isThenable(options.conversion_data)) {
    fail('`conversion_data` must be an object (not a promise) or a function (result, request) => object.');
  }
  if (options.when !== undefined && typeof options.when !== 'function') {
    fail('`when` must be a function (result, request) => boolean.');
  }
  if (options.await !== undefined && typeof options.await !== 'boolean') fail('`await` must be a boolean.');
  return { ...options };
}
