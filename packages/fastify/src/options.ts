import { type CaptureOptions, GrowthChannelConfigError } from '@growth-channel/core';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { fastifyLogger } from './logger.js';

/** The package name every registration error starts with. */
export const PACKAGE_NAME = '@growth-channel/fastify';

/**
 * Options of the plugin: the capture options shared by every Growth Channel framework package.
 * `consent` receives the Fastify request.
 */
export type GrowthChannelPluginOptions = CaptureOptions<FastifyRequest>;

// Fastify hands its own register options to the plugin along with ours.
const REGISTER_OPTION_NAMES = new Set(['prefix', 'logLevel', 'logSerializers']);

/**
 * Copies the options core validates (the caller's object is never touched), without Fastify's
 * register options, and with the app's logger when none is given.
 */
export function toCaptureOptions(
  options: GrowthChannelPluginOptions | undefined,
  log: FastifyBaseLogger,
): CaptureOptions<FastifyRequest> {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new GrowthChannelConfigError(`${PACKAGE_NAME}: options must be an object.`);
  }
  const capture: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!REGISTER_OPTION_NAMES.has(key)) capture[key] = value;
  }
  if (capture.logger === undefined) capture.logger = fastifyLogger(log);
  return capture as CaptureOptions<FastifyRequest>;
}
