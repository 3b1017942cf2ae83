import { createClient } from '@growth-channel/core';

// Runs with --expose-gc. argv: receiver URL (answering 503 to everything), count, maxQueueSize.
const [url = '', countText = '100000', maxQueueText = '100000'] = process.argv.slice(2);
const count = Number(countText);
const maxQueueSize = Number(maxQueueText);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

let refused = 0;
const client = createClient({
  apiKey: 'bench-key',
  baseUrl: url,
  maxQueueSize,
  // Long backoffs: the outage lasts the whole measurement, as a real one would.
  backoffBaseMs: 5_000,
  backoffMaxMs: 5_000,
  onError: (error) => {
    if (error.code === 'GC_ERR_QUEUE_FULL') refused++;
  },
});
const postbacks = Array.from({ length: count }, (_, i) => ({
  ref_id: `ref-${i.toString().padStart(8, '0')}`,
  event_name: 'user_converted',
  revenue: i % 100,
  conversion_data: { order_id: `order-${i}` },
}));
const jsonBytes = postbacks.reduce((sum, p) => sum + JSON.stringify(p).length, 0) / count;
// Let the pool connect and the first attempts fail, so what is measured is the steady outage state.
client.track({ ref_id: 'warm-up' });
await new Promise((resolve) => setTimeout(resolve, 200));
const before = heap();
let accepted = 0;
for (const postback of postbacks) if (client.track(postback)) accepted++;
const after = heap();
const held = client.stats.queued + client.stats.inFlight;
process.send?.({ count, maxQueueSize, accepted, refused, held, heapDelta: after - before, jsonBytes });
await client.close(0);
process.exit(0);
