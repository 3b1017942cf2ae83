import autocannon from 'autocannon';
import { type Child, startChild } from './processes.js';
import { alternate, median } from './stats.js';

export interface OverheadResult {
  framework: string;
  /** Median req/s and p99 latency (ms) of each case. */
  cases: Record<Case, { rps: number; p99: number }>;
  /** Postbacks the track case could not queue (queue full), as reported to onError. */
  dropped: number;
}

export type Case = 'bare' | 'capture' | 'captureWithRefId' | 'track';

const CASES: readonly Case[] = ['bare', 'capture', 'captureWithRefId', 'track'];
const PATH: Record<Case, string> = {
  bare: '/',
  capture: '/',
  captureWithRefId: '/?utm_source=bench&ref_id=abc123xyz',
  track: '/?utm_source=bench&ref_id=abc123xyz',
};
const SERVER: Record<Case, 'bare' | 'capture' | 'track'> = {
  bare: 'bare',
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
      servers[variant] = await startChild<{ url: string }>('http-app', [framework, variant, receiverUrl]);
    }
    // Warm-up runs are not recorded: JIT and connection setup happen here.
    for (const key of CASES) await load(servers[SERVER[key]].ready.url + PATH[key], options.warmupSeconds);

    const latency: Record<Case, number[]> = { bare: [], capture: [], captureWithRefId: [], track: [] };
    const rps = await alternate(options.rounds, CASES, async (key) => {
      const result = await load(servers[SERVER[key]].ready.url + PATH[key], options.seconds);
      latency[key].push(result.p99);
      return result.rps;
    });
    const { dropped } = await servers.track.ask<{ dropped: number }>({ type: 'dropped' });
    const cases = Object.fromEntries(
      CASES.map((key) => [key, { rps: median(rps[key]), p99: median(latency[key]) }]),
    ) as OverheadResult['cases'];
    return { framework, cases, dropped };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}
