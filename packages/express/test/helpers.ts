import { createServer, type Server } from 'node:http';
import { FAST_RETRIES, type Receiver, startReceiver } from '@growth-channel/testing';
import express5, { type Express, type NextFunction, type Request, type Response } from 'express';
import express4 from 'express4';
import request from 'supertest';
import { afterEach } from 'vitest';
import {
  type ClientOptions,
  type GcCaptureMiddleware,
  type GcCaptureOptions,
  type GrowthChannelError,
  gcCapture,
} from '../src/index.js';

export const API_KEY = 'gc_test_key_express_7c1d9e';

/** Client options that keep retries fast: tiny backoffs, no Retry-After floor. */
export const FAST: ClientOptions = { ...FAST_RETRIES, timeoutMs: 5_000 };

export type ExpressFactory = typeof express5;

/** The same suite runs against both majors. */
export const EXPRESS_VERSIONS: [string, ExpressFactory][] = [
  ['express 5', express5],
  ['express 4', express4 as ExpressFactory],
];

/** What a conversion route sends, and so exactly what the receiver must get (plus `ref_id`). */
export const CONVERSION = { revenue: 49.5, conversion_data: { plan: 'pro', seats: 3 } } as const;

export interface Harness {
  app: Express;
  receiver: Receiver;
  capture: GcCaptureMiddleware;
  /** Everything reported to `onError`. */
  errors: GrowthChannelError[];
  /** Messages given to `logger.debug`. */
  debug: string[];
  /** A supertest agent that keeps cookies between requests. */
  agent(): ReturnType<typeof request.agent>;
}

export interface AppSetup {
  options?: GcCaptureOptions;
  /** Middleware registered before gcCapture (sessions, cookie-parser, trust proxy...). */
  before?: (app: Express) => void;
  /** Routes or middleware registered after gcCapture and before the standard routes. */
  after?: (app: Express) => void;
  /** Registers the app's cleanup; concurrent tests pass their context's `onTestFinished`. @default afterEach */
  onFinished?: (cleanup: () => Promise<void>) => void;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/**
 * A real Express app on a loopback port with gcCapture pointed at a real receiver. Routes:
 * `GET /landing` echoes `req.gc`, `POST /convert` tracks, `POST /send` awaits (502 + code on failure).
 */
export async function startApp(express: ExpressFactory, setup: AppSetup = {}): Promise<Harness> {
  const receiver = await startReceiver({ apiKey: API_KEY });
  const errors: GrowthChannelError[] = [];
  const debug: string[] = [];
  const capture = gcCapture({
    client: { apiKey: API_KEY, baseUrl: receiver.url, ...FAST },
    onError: (error) => errors.push(error),
    logger: { debug: (message) => debug.push(message) },
    ...setup.options,
  });
  const app = express();
  setup.before?.(app);
  app.use(capture);
  setup.after?.(app);
  app.get('/landing', (req, res) => {
    res.json({ refId: req.gc.refId ?? null, source: req.gc.refIdSource ?? null });
  });
  app.post('/convert', (req, res) => {
    res.json({ queued: req.gc.trackConversion('user_converted', CONVERSION) });
  });
  app.post('/send', async (req, res) => {
    try {
      res.json(await req.gc.sendConversion('paid', { revenue: 10 }));
    } catch (error) {
      res.status(502).json({ code: (error as GrowthChannelError).code });
    }
  });
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ message: error.message });
  });
  const server = await listen(app);
  const register = setup.onFinished ?? ((cleanup) => cleanups.push(cleanup));
  register(async () => {
    await Promise.all([capture.close(500), receiver.close(), closeServer(server)]);
  });
  return { app, receiver, capture, errors, debug, agent: () => request.agent(server) };
}

function listen(app: Express): Promise<Server> {
  const server = createServer(app);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The response's Set-Cookie headers. */
export function setCookies(res: { headers: Record<string, unknown> }): string[] {
  const header = res.headers['set-cookie'];
  return header === undefined ? [] : ([] as string[]).concat(header as string | string[]);
}

/** The capture cookie set by a response, or undefined. */
export function captureCookie(
  res: { headers: Record<string, unknown> },
  name = 'gc_ref_id',
): string | undefined {
  return setCookies(res).find((cookie) => cookie.startsWith(`${name}=`));
}
