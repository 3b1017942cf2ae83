import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import growthChannel, { type GrowthChannelPluginOptions } from '@growth-channel/fastify';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';

/** What the example app can be built with; tests and main.ts pass different ones. */
export interface BuildAppOptions {
  /** Growth Channel options; by default the client reads GROWTH_CHANNEL_API_KEY and GROWTH_CHANNEL_BASE_URL. */
  growthChannel?: GrowthChannelPluginOptions;
  /** Fastify's logger setting. @default true */
  logger?: FastifyServerOptions['logger'];
  /** Believe `X-Forwarded-Proto` (set it behind your TLS proxy so the cookie is Secure). @default false */
  trustProxy?: boolean;
}

const PRODUCTS = [
  { id: 'starter', name: 'Starter plan', price: 19 },
  { id: 'pro', name: 'Pro plan', price: 49 },
];

const PRICES: Record<string, number> = Object.fromEntries(PRODUCTS.map((p) => [p.id, p.price]));

interface SignupBody {
  email: string;
  plan: string;
}

/** Builds the shop: a campaign landing page, a product list, a signup that reports a conversion. */
export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? true, trustProxy: options.trustProxy ?? false });

  // Optional: with @fastify/cookie the capture cookie goes through reply.setCookie.
  await app.register(fastifyCookie);
  await app.register(growthChannel, options.growthChannel ?? {});

  // Visitors arrive from a campaign at /landing?ref_id=...; the plugin has already captured it.
  app.get('/landing', async (request) => ({
    message: 'Welcome to the shop!',
    attributed: request.gc.refId !== undefined,
  }));

  app.get('/products', async () => PRODUCTS);

  app.post<{ Body: SignupBody }>(
    '/signup',
    {
      schema: {
        body: {
          type: 'object',
          required: ['email', 'plan'],
          properties: {
            email: { type: 'string', minLength: 3 },
            plan: { type: 'string', enum: PRODUCTS.map((p) => p.id) },
          },
        },
      },
    },
    async (request, reply) => {
      const signupId = randomUUID();
      // Queued for background delivery: the response does not wait, and it never throws.
      // The email stays here: conversion_data carries no personal data.
      const tracked = request.gc.trackConversion('user_converted', {
        revenue: PRICES[request.body.plan],
        conversion_data: { signup_id: signupId, plan: request.body.plan },
      });
      return reply.code(201).send({ signupId, attributed: tracked });
    },
  );

  app.get('/health', async () => ({ status: 'ok', postbacks: app.gc.stats }));

  return app;
}
