import { IncomingMessage } from 'node:http';
import { createCapture, GrowthChannelConfigError } from '@growth-channel/core';
import type { NextFunction, Request, Response } from 'express';
import { expressAdapter } from './adapter.js';
import type { GcCaptureMiddleware, GcCaptureOptions } from './types.js';

const PACKAGE_NAME = '@growth-channel/express';
const HANDLED = Symbol('@growth-channel/express.handled');

/**
 * Creates the capture middleware: it stores a valid `ref_id` from the query (in the session when the
 * request has one, else in a cookie) and gives every later request `req.gc` to send conversions with.
 * @example
 * const capture = gcCapture({ client: { apiKey: process.env.GROWTH_CHANNEL_API_KEY } });
 * app.use(capture);
 * app.post('/signup', (req, res) => {
 *   req.gc.trackConversion('user_converted', { revenue: 49 });
 *   res.sendStatus(201);
 * });
 * const server = app.listen(3000);
 * process.on('SIGTERM', () => server.close(async () => { await capture.close(); process.exit(0); }));
 */
export function gcCapture(options?: GcCaptureOptions): GcCaptureMiddleware {
  if ((options as unknown) instanceof IncomingMessage) {
    throw new GrowthChannelConfigError(
      `${PACKAGE_NAME}: gcCapture is a factory: write app.use(gcCapture()) or app.use(gcCapture({ ... })), not app.use(gcCapture).`,
    );
  }
  const capture = createCapture(options, expressAdapter, PACKAGE_NAME);

  function gcCaptureMiddleware(req: Request, res: Response, next: NextFunction): void {
    // Mounted twice on one request's path (app and router): capture once, one cookie.
    if ((req as Partial<Record<typeof HANDLED, unknown>>)[HANDLED] === capture) {
      next();
      return;
    }
    try {
      (req as Partial<Record<typeof HANDLED, unknown>>)[HANDLED] = capture;
      req.gc = capture.handle(req, res);
    } catch (cause) {
      // handle() never throws; this guards the assignment, which fails when other code made req.gc read-only.
      capture.reportCaptureError('setting req.gc failed; the request goes on', cause);
    }
    next();
  }

  return Object.assign(gcCaptureMiddleware, {
    client: capture.client,
    close: (timeoutMs?: number) => capture.close(timeoutMs),
  });
}
