import type { GrowthChannelLogger } from '@growth-channel/core';
import type { Receiver } from '@growth-channel/testing';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { ClientOptions } from '../src/index.js';

export const API_KEY = 'test-key-3f9a1c';

/** Client options for the real receiver, with backoffs small enough for tests. */
export function clientOptions(receiver: Receiver): ClientOptions {
  return receiver.clientOptions();
}

export type PlatformName = 'express' | 'fastify';
export const PLATFORMS: readonly PlatformName[] = ['express', 'fastify'];

/** A Nest app on the real platform, initialised and ready for supertest. */
export async function createApp(platform: PlatformName, metadata: ModuleMetadata): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  if (platform === 'express') {
    const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
    await app.init();
    return app;
  }
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export interface LogRecord {
  level: 'debug' | 'warn';
  message: string;
  details: Record<string, unknown> | undefined;
}

/** A logger that keeps what it was given. */
export function recordingLogger(): GrowthChannelLogger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return {
    records,
    debug: (message, details) => records.push({ level: 'debug', message, details }),
    warn: (message, details) => records.push({ level: 'warn', message, details }),
  };
}
