import { GrowthChannelService } from '@growth-channel/nestjs';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';

type Platform = 'express' | 'fastify';

/** `--platform fastify` (or `PLATFORM=fastify`) runs on Fastify; Express is the default. */
function choosePlatform(): Platform {
  const flag = process.argv.indexOf('--platform');
  const value = (flag === -1 ? undefined : process.argv[flag + 1]) ?? process.env.PLATFORM ?? 'express';
  if (value !== 'express' && value !== 'fastify') {
    throw new Error(`Unknown platform '${value}': use express or fastify.`);
  }
  return value;
}

const platform = choosePlatform();
const port = Number(process.env.PORT ?? 3000);

const app: INestApplication =
  platform === 'fastify'
    ? await NestFactory.create(AppModule, new FastifyAdapter())
    : await NestFactory.create(AppModule, new ExpressAdapter());
// On SIGTERM/SIGINT Nest closes the server, then GrowthChannelModule delivers queued conversions.
app.enableShutdownHooks();
await app.listen(port);

const { endpoint } = app.get(GrowthChannelService).client;
console.log(`Example shop (${platform}) on http://localhost:${port} (postbacks to ${endpoint})`);
