import { type GcCaptureMiddleware, type GcCaptureOptions, gcCapture } from '@growth-channel/express';
import express, { type Express } from 'express';

/** The demo shop and the capture middleware it uses (close it on shutdown). */
export interface ExampleApp {
  app: Express;
  capture: GcCaptureMiddleware;
}

const PLANS = { free: 0, pro: 49 } as const;
type Plan = keyof typeof PLANS;

const PRODUCTS = [
  { id: 'free', name: 'Free plan', price: PLANS.free },
  { id: 'pro', name: 'Pro plan', price: PLANS.pro },
];

/**
 * Builds the demo shop: capture runs on every request, `/landing?ref_id=...` is where campaign visitors
 * arrive, and `POST /signup` reports the conversion.
 * @example
 * const { app, capture } = createApp({ client: { apiKey: 'key', baseUrl: 'http://127.0.0.1:4010' } });
 */
export function createApp(options: GcCaptureOptions = {}): ExampleApp {
  const app = express();
  app.use(express.json());
  // Register a session middleware (express-session, cookie-session) before this one to keep the
  // ref_id in the session; without one it goes in a cookie.
  const capture = gcCapture(options);
  app.use(capture);

  app.get('/landing', (req, res) => {
    res.json({ message: 'Welcome to the example shop.', refId: req.gc.refId ?? null });
  });

  app.get('/products', (req, res) => {
    res.json({ products: PRODUCTS, refId: req.gc.refId ?? null });
  });

  app.post('/signup', (req, res) => {
    const plan: unknown = req.body?.plan ?? 'free';
    if (typeof plan !== 'string' || !Object.hasOwn(PLANS, plan)) {
      res.status(400).json({ error: `plan must be one of ${Object.keys(PLANS).join(', ')}` });
      return;
    }
    // ... create the account here; then report the conversion. It is queued and sent in the
    // background, so this response does not wait for Growth Channel.
    const conversionQueued = req.gc.trackConversion('user_converted', {
      revenue: PLANS[plan as Plan],
      conversion_data: { plan },
    });
    res.status(201).json({ signedUp: true, plan, conversionQueued });
  });

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', postbacks: capture.client.stats });
  });

  return { app, capture };
}
