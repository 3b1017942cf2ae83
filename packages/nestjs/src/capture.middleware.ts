import type { IncomingMessage, ServerResponse } from 'node:http';
import { GrowthChannelCaptureError } from '@growth-channel/core';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { CaptureHost } from './growth-channel.capture.js';
import { CAPTURE_ROUTE, GC_CONTEXT, GROWTH_CHANNEL_CAPTURE } from './growth-channel.constants.js';

type CapturedRequest = IncomingMessage & { [GC_CONTEXT]?: unknown; [CAPTURE_ROUTE]?: boolean };

/**
 * Runs capture on every request and keeps its `GcContext` on the node request, where
 * `@TrackConversion()`, `@RefId()` and `GrowthChannelService` find it. Never throws.
 */
@Injectable()
export class CaptureMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  constructor(@Inject(GROWTH_CHANNEL_CAPTURE) private readonly host: CaptureHost) {}

  use(req: CapturedRequest, res: ServerResponse, next: (error?: unknown) => void): void {
    // A second registration (the module imported twice) must not capture twice.
    if (req[GC_CONTEXT] === undefined) {
      try {
        req[GC_CONTEXT] = this.host.capture.handle(req, res);
      } catch (error) {
        // handle() is documented never to throw; should it, the request still goes on.
        this.host.report(new GrowthChannelCaptureError('Capture failed on this request.', { cause: error }));
      }
    }
    next();
  }
}

/** Marks the requests matched by the `routes` option: only there is a ref_id read from the query. */
@Injectable()
export class CaptureRouteMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  use(req: CapturedRequest, _res: ServerResponse, next: (error?: unknown) => void): void {
    req[CAPTURE_ROUTE] = true;
    next();
  }
}
