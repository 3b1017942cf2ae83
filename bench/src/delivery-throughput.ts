import { randomUUID } from 'node:crypto';
import { createClient } from '@growth-channel/core';
import { Pool } from 'undici';
import { alternate, median } from './stats.js';

export interface ThroughputResult {
  count: number;
  concurrency: number;
  /** Median postbacks per second. */
  track: number;
  undiciLoop: number;
  naiveFetch: number;
  naiveFetchCount: number;
}

const PATH = '/api/public/growth-channel-postback/';
/** The same request the client sends: its four headers, a fresh Idempotency-Key per postback. */
function headers(): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-api-key': 'bench-key',
    'idempotency-key': randomUUID(),
    'user-agent': 'growth-channel-node',
  };
}

function body(i: number): { ref_id: string; event_name: string; revenue: number } {
  return { ref_id: `ref-${i}`, event_name: 'bench_conversion', revenue: i % 100 };
}

async function viaTrack(url: string, count: number, concurrency: number): Promise<number> {
  const client = createClient({
    apiKey: 'bench-key',
    baseUrl: url,
    maxQueueSize: count,
    maxConcurrency: concurrency,
  });
  const started = performance.now();
  for (let i = 0; i < count; i++) client.track(body(i));
  await client.flush(120_000);
  const seconds = (performance.now() - started) / 1000;
  const { delivered } = await client.close();
  if (delivered !== count) throw new Error(`track() delivered ${delivered} of ${count}`);
  return count / seconds;
}

/** The practical limit: a plain loop of undici request() on a keep-alive pool, same concurrency. */
async function viaUndiciLoop(url: string, count: number, concurrency: number): Promise<number> {
  const pool = new Pool(url, { connections: concurrency });
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const response = await pool.request({
        path: PATH,
        method: 'POST',
        headers: headers(),
        body: JSON.stringify(body(i)),
      });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`undici loop got ${response.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return count / seconds;
}

/** What a hand-written integration often does: await fetch() for each postback, one at a time. */
async function viaNaiveFetch(url: string, count: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const response = await fetch(url + PATH, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify(body(i)),
    });
    await response.text();
  }
  return count / ((performance.now() - started) / 1000);
}

export async function measureThroughput(
  receiverUrl: string,
  clear: () => Promise<void>,
  options: { rounds: number; count: number; naiveFetchCount: number; concurrency: number },
): Promise<ThroughputResult> {
  const { count, concurrency, naiveFetchCount } = options;
  // Warm-up: JIT for both code paths and the receiver.
  for (let i = 0; i < 2; i++) {
    await viaTrack(receiverUrl, 5_000, concurrency);
    await viaUndiciLoop(receiverUrl, 5_000, concurrency);
    await clear();
  }
  await clear();
  const results = await alternate(
    options.rounds,
    ['track', 'undiciLoop', 'naiveFetch'] as const,
    async (key) => {
      const rate =
        key === 'track'
          ? await viaTrack(receiverUrl, count, concurrency)
          : key === 'undiciLoop'
            ? await viaUndiciLoop(receiverUrl, count, concurrency)
            : await viaNaiveFetch(receiverUrl, naiveFetchCount);
      await clear();
      return rate;
    },
  );
  return {
    count,
    concurrency,
    naiveFetchCount,
    track: median(results.track),
    undiciLoop: median(results.undiciLoop),
    naiveFetch: median(results.naiveFetch),
  };
}
