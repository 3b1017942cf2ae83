import type { CaptureOptions, CloseResult, GcContext, GrowthChannelClient } from '@growth-channel/core';
import type { NextFunction, Request, Response } from 'express';

/** Options of {@link gcCapture}: core's capture options, with `consent` given the Express request. */
export type GcCaptureOptions = CaptureOptions<Request>;

/** The middleware returned by {@link gcCapture}, which also owns the client it sends with. */
export interface GcCaptureMiddleware {
  (req: Request, res: Response, next: NextFunction): void;
  /** The client conversions are sent with. */
  readonly client: GrowthChannelClient;
  /**
   * Flushes queued conversions within `timeoutMs`, then closes the client when `gcCapture` created it
   * (a client passed in as `client` is only flushed). Call it on shutdown; it never rejects.
   */
  close(timeoutMs?: number): Promise<CloseResult | undefined>;
}

declare global {
  namespace Express {
    interface Request {
      /** Growth Channel capture for this request, set by `gcCapture()`. */
      gc: GcContext;
    }
  }
}
