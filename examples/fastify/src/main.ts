import { buildApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const secret = process.env.GC_COOKIE_SECRET;

const app = await buildApp({
  growthChannel: secret ? { secret } : {},
  trustProxy: process.env.TRUST_PROXY === 'true',
});
await app.listen({ port, host });

// app.close() runs the plugin's onClose hook, which delivers the conversions still queued.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => {
        const { delivered, failed, dropped } = app.gc.stats;
        app.log.info({ delivered, failed, dropped }, 'postbacks');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error(error);
        process.exit(1);
      },
    );
  });
}
