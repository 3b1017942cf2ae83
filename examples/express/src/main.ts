import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);

// The API key and endpoint come from GROWTH_CHANNEL_API_KEY and GROWTH_CHANNEL_BASE_URL.
const { app, capture } = createApp({
  secret: process.env.GC_COOKIE_SECRET || undefined,
  logger: { warn: (message) => console.warn(message) },
  onError: (error) => console.warn(`Growth Channel (${error.code}): ${error.message}`),
});

const server = app.listen(port, () => {
  console.log(`Example shop on http://localhost:${port} (postbacks to ${capture.client.endpoint})`);
});

let closing = false;
function shutdown(signal: NodeJS.Signals): void {
  if (closing) return;
  closing = true;
  console.log(`${signal}: closing the server, then delivering queued conversions`);
  // Stop taking requests first, so no conversion is queued after the flush.
  server.close(async () => {
    const result = await capture.close(5_000);
    console.log('Growth Channel postbacks:', result);
    process.exit(0);
  });
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
