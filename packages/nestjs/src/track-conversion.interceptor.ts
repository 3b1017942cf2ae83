import {
  type ConversionFields,
  GrowthChannelCaptureError,
  type GrowthChannelError,
  isGrowthChannelError,
} from '@growth-channel/core';
import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { defer, mergeMap, type Observable, takeLast, tap } from 'rxjs';
import { type CaptureHost, gcContextOf } from './growth-channel.capture.js';
import { GROWTH_CHANNEL_CAPTURE, TRACK_CONVERSION_METADATA } from './growth-channel.constants.js';
import type { TrackConversionMetadata } from './track-conversion.decorator.js';

const FIELD_NAMES = ['revenue', 'conversion_data', 'tracker_id'] as const;

type FieldFunction = (result: unknown, request: unknown) => unknown;

/**
 * Does the work of `@TrackConversion()`: after the handler succeeded, queues (or, with `await: true`,
 * sends) the conversion with the request's ref_id. Applied by the decorator; no need to use it directly.
 */
@Injectable()
export class TrackConversionInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(GROWTH_CHANNEL_CAPTURE) private readonly host: CaptureHost,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const metadata = this.reflector.getAllAndOverride<TrackConversionMetadata | undefined>(
      TRACK_CONVERSION_METADATA,
      [context.getHandler(), context.getClass()],
    );
    if (metadata === undefined || context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<object>();
    // With the decorator on both the class and the method, this interceptor runs twice per request.
    if (this.host.tracked.has(request)) return next.handle();
    this.host.tracked.add(request);
    const handler = `${context.getClass().name}.${context.getHandler().name}`;

    if (metadata.options.await === true) {
      return next.handle().pipe(
        takeLast(1),
        mergeMap(async (result) => {
          const fields = this.prepareOrReport(metadata, result, request, handler);
          // Only a failed delivery becomes the handler's error: that is what `await: true` asks to know.
          if (fields !== undefined) await gcContextOf(request)?.sendConversion(metadata.eventName, fields);
          return result;
        }),
      );
    }
    return defer(() => {
      let last: unknown;
      let emitted = false;
      return next.handle().pipe(
        tap({
          next: (value) => {
            last = value;
            emitted = true;
          },
          // Nest answers an Observable that completes without a value with an error: nothing to send.
          complete: () => {
            if (emitted) this.track(metadata, last, request, handler);
          },
        }),
      );
    });
  }

  private track(metadata: TrackConversionMetadata, result: unknown, request: object, handler: string): void {
    const fields = this.prepareOrReport(metadata, result, request, handler);
    // trackConversion() never throws: it reports its own failures.
    if (fields !== undefined) gcContextOf(request)?.trackConversion(metadata.eventName, fields);
  }

  /** {@link prepare}, with a throwing or async user function reported instead of thrown. */
  private prepareOrReport(
    metadata: TrackConversionMetadata,
    result: unknown,
    request: object,
    handler: string,
  ): ConversionFields | undefined {
    try {
      return this.prepare(metadata, result, request, handler);
    } catch (error) {
      this.host.report(asGrowthChannelError(error, handler));
      return undefined;
    }
  }

  /** The conversion's fields, or `undefined` when nothing is to be sent (no ref_id, or `when` said no). */
  private prepare(
    metadata: TrackConversionMetadata,
    result: unknown,
    request: object,
    handler: string,
  ): ConversionFields | undefined {
    const details = { event_name: metadata.eventName, handler };
    if (gcContextOf(request)?.refId === undefined) {
      this.host.debug('@TrackConversion: no ref_id on this request (or no consent); nothing sent', details);
      return undefined;
    }
    const { options } = metadata;
    if (options.when !== undefined && !call(options.when, 'when', result, request, handler)) {
      this.host.debug('@TrackConversion: `when` returned false; nothing sent', details);
      return undefined;
    }
    const fields: Record<string, unknown> = {};
    for (const name of FIELD_NAMES) {
      const value: unknown = options[name];
      const resolved =
        typeof value === 'function' ? call(value as FieldFunction, name, result, request, handler) : value;
      if (resolved !== undefined) fields[name] = resolved;
    }
    return fields as ConversionFields;
  }
}

function call<T>(
  fn: (result: unknown, request: unknown) => T,
  name: string,
  result: unknown,
  request: unknown,
  handler: string,
): T {
  let value: T;
  try {
    value = fn(result, request);
  } catch (error) {
    throw new GrowthChannelCaptureError(
      `@TrackConversion on ${handler}: the \`${name}\` function threw: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (isThenable(value)) {
    // Its outcome is ignored; a rejection must not surface as an unhandled one.
    Promise.resolve(value).catch(() => {});
    throw new GrowthChannelCaptureError(
      `@TrackConversion on ${handler}: the \`${name}\` function returned a promise; these functions must return their value synchronously (await in the handler and return what you need in its result). Nothing was sent.`,
    );
  }
  return value;
}

/** Whether a value is a promise or promise-like (has a `then` method). Never throws. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== 'object' || value === null) && typeof value !== 'function') return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

function asGrowthChannelError(error: unknown, handler: string): GrowthChannelError {
  if (isGrowthChannelError(error)) return error;
  return new GrowthChannelCaptureError(`@TrackConversion on ${handler} failed.`, { cause: error });
}
