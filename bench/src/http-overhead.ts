import autocannon from 'autocannon';
import { type Child, startChild } from './processes.js';
import { alternate, median } from './stats.js';

export interface OverheadResult {
  framework: string;
  /** Median req/s, p99 latency (ms) and server CPU per request (µs) of each case. */
  cases: Record<Case, { rps: number; p99: number; cpu: number }>;
  /** Postbacks the track case could not queue (queue full), as reported to onError. */
  dropped: number;
}

interface ServerSample {
  dropped: number;
  served: number;
  cpuMicros: number;
}

export type Case = 'bare' | 'bareWithRefId' | 'capture' | 'captureWithRefId' | 'track';

const CASES: readonly Case[] = ['bare', 'bareWithRefId', 'capture', 'captureWithRefId', 'track'];
const LANDING = '/?utm_source=bench&ref_id=abc123xyz';
// The bare app also gets the landing URL: the framework's own query parsing is not tracking's cost.
const PATH: Record<Case, string> = {
  bare: '/',
  bareWithRefId: LANDING,
  capture: '/',
  captureWithRefId: LANDING,
  track: LANDING,
};
const SERVER: Record<Case, 'bare' | 'capture' | 'track'> = {
  bare: 'bare',
  bareWithRefId: 'bare',
  capture: 'capture',
  captureWithRefId: 'capture',
  track: 'track',
};

async function load(url: string, seconds: number): Promise<{ rps: number; p99: number }> {
  const result = await autocannon({ url, connections: 32, pipelining: 1, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  }
  return { rps: result.requests.average, p99: result.latency.p99 };
}

export async function measureOverhead(
  framework: 'express' | 'fastify',
  receiverUrl: string,
  options: { rounds: number; seconds: number; warmupSeconds: number },
): Promise<OverheadResult> {
  const servers = {} as Record<'bare' | 'capture' | 'track', Child<{ url: string }>>;
  try {
    for (const variant of ['bare', 'capture', 'track'] as const) {
      servers[variant] = await startChild<{ url: string }>(
        'http-app',
        [framework, variant, receiverUrl],
        [],
        true,
      );
    }
    // Warm-up runs are not recorded: JIT and connection setup happen here.
    for (const key of CASES) await load(servers[SERVER[key]].ready.url + PATH[key], options.warmupSeconds);

    const latency = Object.fromEntries(CASES.map((key) => [key, [] as number[]])) as Record<Case, number[]>;
    const cpu = Object.fromEntries(CASES.map((key) => [key, [] as number[]])) as Record<Case, number[]>;
    const rps = await alternate(options.rounds, CASES, async (key) => {
      const server = servers[SERVER[key]];
      const before = await server.ask<ServerSample>({ type: 'sample' });
      const result = await load(server.ready.url + PATH[key], options.seconds);
      const after = await server.ask<ServerSample>({ type: 'sample' });
      latency[key].push(result.p99);
      cpu[key].push((after.cpuMicros - before.cpuMicros) / (after.served - before.served));
      return result.rps;
    });
    const { dropped } = await servers.track.ask<ServerSample>({ type: 'sample' });
    const cases = Object.fromEntries(
      CASES.map((key) => [key, { rps: median(rps[key]), p99: median(latency[key]), cpu: median(cpu[key]) }]),
    ) as OverheadResult['cases'];
    return { framework, cases, dropped };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}
