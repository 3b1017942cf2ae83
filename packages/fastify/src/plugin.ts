import {
  type Capture,
  createCapture,
  type GcContext,
  type GrowthChannelClient,
  GrowthChannelConfigError,
} from '@growth-channel/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { fastifyAdapter } from './adapter.js';
import { type GrowthChannelPluginOptions, PACKAGE_NAME, toCaptureOptions } from './options.js';
import { addRegistration, findConflict, type RegistrationConflict } from './registrations.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Growth Channel client conversions are sent with (the one passed as `client`, or the plugin's own). */
    gc: GrowthChannelClient;
  }
  interface FastifyRequest {
    /** This request's ref_id and the `trackConversion` / `sendConversion` helpers. */
    gc: GcContext;
  }
}

const REGISTER_ONCE =
  'Register it once: at the root, or in encapsulated contexts that do not contain one another.';

// Each overlap would capture twice on the shared routes: two Set-Cookie headers and two clients.
const CONFLICTS: Record<RegistrationConflict, string> = {
  this: 'the plugin is already registered in this context.',
  parent: 'the plugin is already registered in a parent of this context, which already captures its routes.',
  child: 'the plugin is already registered in a child of this context, whose routes would capture twice.',
};

const plugin: FastifyPluginAsync<GrowthChannelPluginOptions> = async (app, opts) => {
  const conflict = findConflict(app);
  if (conflict !== undefined) {
    throw new GrowthChannelConfigError(`${PACKAGE_NAME}: ${CONFLICTS[conflict]} ${REGISTER_ONCE}`);
  }
  // Another copy of the package that predates the registry still decorates `gc`.
  if (app.hasDecorator('gc') || app.hasRequestDecorator('gc')) {
    throw new GrowthChannelConfigError(
      `${PACKAGE_NAME}: the plugin is already registered in this context (\`app.gc\` exists). ${REGISTER_ONCE}`,
    );
  }

  const captureOptions = toCaptureOptions(opts, app.log);
  // Core validates every option here (client options included), errors prefixed with our name.
  const capture: Capture<FastifyRequest, FastifyReply> = createCapture(
    captureOptions,
    fastifyAdapter,
    PACKAGE_NAME,
  );

  addRegistration(app);
  app.decorate('gc', capture.client);
  // `null` here and one object per request in the hook: an object here would be shared by every
  // request. The cast is the usual one: the hook below fills it before any handler can read it.
  app.decorateRequest('gc', null as unknown as GcContext);

  const logger = captureOptions.logger;
  let warnedAlreadySet = false;
  // onRequest, so that the ref_id is captured and `request.gc` exists before any handler or
  // preHandler runs, even when the body fails to parse.
  app.addHook('onRequest', function growthChannelCapture(request, reply, done) {
    // A registration the checks above cannot see (a copy of the package without the registry) ran
    // first and already captured: a second capture would mean a second cookie and a second client.
    if (request.gc) {
      if (!warnedAlreadySet) {
        warnedAlreadySet = true;
        logger?.warn?.(
          `${PACKAGE_NAME}: request.gc was already set by another registration of the plugin, so this one does not capture. ${REGISTER_ONCE}`,
        );
      }
      done();
      return;
    }
    request.gc = capture.handle(request, reply);
    done();
  });

  // Hooks run in registration order: a session plugin registered later fills `request.session`
  // after capture ran, so the landing stores a cookie and the conversion then reads the session.
  const sessionAtRegistration = app.hasRequestDecorator('session');
  const usesSession = (captureOptions.storage ?? 'auto') === 'auto' || captureOptions.storage === 'session';
  app.addHook('onReady', async function growthChannelCheckOrder() {
    if (usesSession && !sessionAtRegistration && app.hasRequestDecorator('session')) {
      logger?.warn?.(
        `${PACKAGE_NAME}: a session plugin was registered after this plugin, so capture runs before the session exists and ref_ids go to a cookie that later reads of the session will not find. Register @fastify/session (or @fastify/secure-session) first.`,
      );
    }
  });

  // A client passed in is only flushed: closing it is its owner's job.
  app.addHook('onClose', async function growthChannelClose() {
    await capture.close();
  });
};

/**
 * Captures the Growth Channel `ref_id` of every request and decorates `app.gc` (the client) and
 * `request.gc` (`refId`, `trackConversion`, `sendConversion`). Register it once.
 * @example
 * import growthChannel from '@growth-channel/fastify';
 *
 * await app.register(growthChannel, { client: { apiKey: process.env.GROWTH_CHANNEL_API_KEY } });
 * app.post('/signup', async (request) => {
 *   request.gc.trackConversion('user_converted', { revenue: 49 });
 *   return { ok: true };
 * });
 */
export const growthChannel = fp(plugin, { fastify: '5.x', name: PACKAGE_NAME });
