import type { AddressInfo } from 'node:net';
import { gcCapture } from '@growth-channel/express';
import growthChannel from '@growth-channel/fastify';
import express from 'express';
import Fastify from 'fastify';

// argv: framework (express|fastify), variant (bare|capture|track), receiver URL.
const [framework, variant, receiverUrl = 'http://127.0.0.1:9'] = process.argv.slice(2);
const client = {
  apiKey: 'bench-key',
  baseUrl: receiverUrl,
  maxQueueSize: 100_000,
  onError: () => {
    dropped++;
  },
};
let dropped = 0;
let served = 0;

async function startExpress(): Promise<number> {
  const app = express();
  app.disable('x-powered-by');
  if (variant !== 'bare') app.use(gcCapture({ client }));
  app.get('/', (req, res) => {
    served++;
    if (variant === 'track') req.gc.trackConversion('bench_conversion', { revenue: 1 });
    res.send('ok');
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

async function startFastify(): Promise<number> {
  const app = Fastify({ logger: false });
  if (variant !== 'bare') await app.register(growthChannel, { client });
  app.get('/', async (request) => {
    served++;
    if (variant === 'track') request.gc.trackConversion('bench_conversion', { revenue: 1 });
    return 'ok';
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

const port = framework === 'fastify' ? await startFastify() : await startExpress();
process.send?.({ url: `http://127.0.0.1:${port}` });
// The parent samples this process's CPU time around each load run: CPU per request is the cost of
// tracking even when the load generator, not this server, limits req/s.
process.on('message', () => {
  const { user, system } = process.cpuUsage();
  process.send?.({ dropped, served, cpuMicros: user + system });
});
process.on('SIGTERM', () => process.exit(0));
