import type { GrowthChannelLogger } from '@growth-channel/core';
import type { FastifyBaseLogger } from 'fastify';

/** Routes core's `(message, details)` diagnostics to Fastify's pino-style `(details, message)` logger. */
export function fastifyLogger(log: FastifyBaseLogger): GrowthChannelLogger {
  return {
    debug: (message, details) => log.debug(details ?? {}, message),
    warn: (message, details) => log.warn(details ?? {}, message),
  };
}
