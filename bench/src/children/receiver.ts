import { startReceiver } from '@growth-channel/testing';

// A receiver in its own process, so its work does not share the load generator's event loop.
const failRate = Number(process.argv[2] ?? '0');
const receiver = await startReceiver({ apiKey: 'bench-key', failRate });
process.send?.({ url: receiver.url });
process.on('message', (message: { type: string }) => {
  if (message.type === 'count')
    process.send?.({ postbacks: receiver.postbacks.length, requests: receiver.requests.length });
  if (message.type === 'clear') {
    receiver.clear();
    process.send?.({ cleared: true });
  }
});
process.on('SIGTERM', () => {
  void receiver.close().then(() => process.exit(0));
});
