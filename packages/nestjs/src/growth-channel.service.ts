import {
  type ConversionFields,
  type GcContext,
  type GrowthChannelClient,
  GrowthChannelNoRefIdError,
  type PostbackResponse,
} from '@growth-channel/core';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type CaptureHost, gcContextOf } from './growth-channel.capture.js';
import { GROWTH_CHANNEL_CAPTURE } from './growth-channel.constants.js';

/**
 * Conversions from code (a service, a queue consumer) instead of a decorator. `request` is the request
 * as a handler gets it with `@Req()`, on Express or Fastify.
 * @example
 * ```ts
 * constructor(private readonly gc: GrowthChannelService) {}
 *
 * @Post('checkout')
 * checkout(@Req() req: Request, @Body() cart: Cart) {
 *   this.gc.trackConversion(req, 'purchase', { revenue: cart.total });
 * }
 * ```
 */
@Injectable()
export class GrowthChannelService implements OnApplicationShutdown {
  constructor(@Inject(GROWTH_CHANNEL_CAPTURE) private readonly host: CaptureHost) {}

  /** The client conversions are sent with (the one passed as `client`, or the one the module created). */
  get client(): GrowthChannelClient {
    return this.host.capture.client;
  }

  /** The request's Growth Channel context, or `undefined` when capture did not run on it. */
  context(request: object): GcContext | undefined {
    return gcContextOf(request);
  }

  /** The request's ref_id (from the query, else from storage), or `undefined`. */
  refId(request: object): string | undefined {
    return gcContextOf(request)?.refId;
  }

  /**
   * Queues a conversion for background delivery and returns at once: `true` when queued, `false`
   * when there is no ref_id (logged at debug level) or it was refused (reported to `onError`). Never throws.
   */
  trackConversion(request: object, eventName?: string, fields?: ConversionFields): boolean {
    const context = gcContextOf(request);
    if (context === undefined) {
      this.host.debug('trackConversion: capture did not run on this request; nothing sent', {
        event_name: eventName,
      });
      return false;
    }
    return context.trackConversion(eventName, fields);
  }

  /**
   * Sends a conversion and waits for delivery. Rejects with a `GrowthChannelError`: `GC_ERR_NO_REF_ID`
   * when the request has no ref_id, else the client's error.
   */
  async sendConversion(
    request: object,
    eventName?: string,
    fields?: ConversionFields,
  ): Promise<PostbackResponse> {
    const context = gcContextOf(request);
    if (context === undefined) {
      throw new GrowthChannelNoRefIdError(
        'Capture did not run on this request (is it an HTTP request handled by Nest?): nothing was sent.',
      );
    }
    return context.sendConversion(eventName, fields);
  }

  /**
   * Flushes queued conversions, then closes the client if the module created it (a client passed in
   * is only flushed). Nest calls this on `app.close()`, and on SIGTERM after `app.enableShutdownHooks()`.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.host.capture.close();
  }
}
