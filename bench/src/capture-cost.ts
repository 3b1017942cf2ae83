import type { IncomingMessage, ServerResponse } from 'node:http';
import { appendSetCookie, type CaptureAdapter, createCapture } from '@growth-channel/core';
import { median } from './stats.js';

export interface CaptureCostResult {
  /** Median µs per `capture.handle()` call, request without a ref_id. */
  withoutRefId: number;
  /** Median µs per call with a ref_id: extraction, validation and the cookie header. */
  withRefId: number;
}

interface FakeRequest {
  url: string;
  headers: IncomingMessage['headers'];
}

/** The adapter a node:http integration uses; the response only collects headers. */
const adapter: CaptureAdapter<FakeRequest, ServerResponse> = {
  query: (req) => req.url,
  cookieHeader: (req) => req.headers.cookie,
  session: () => undefined,
  isSecure: () => false,
  setCookie: (res, cookie) => appendSetCookie(res, cookie.header),
};

function headerSink(): ServerResponse {
  const headers = new Map<string, unknown>();
  return {
    getHeader: (name: string) => headers.get(name),
    setHeader: (name: string, value: unknown) => headers.set(name, value),
  } as unknown as ServerResponse;
}

/** Core's own share of a request, in process: what every framework package runs per request. */
export async function measureCaptureCost(options: {
  rounds: number;
  iterations: number;
}): Promise<CaptureCostResult> {
  const capture = createCapture({ client: { apiKey: 'bench-key', baseUrl: 'http://127.0.0.1:9' } }, adapter);
  const run = (url: string): number => {
    const started = performance.now();
    let found = 0;
    for (let i = 0; i < options.iterations; i++) {
      if (capture.handle({ url, headers: {} }, headerSink()).refId !== undefined) found++;
    }
    const micros = ((performance.now() - started) * 1000) / options.iterations;
    return found >= 0 ? micros : Number.NaN;
  };
  const without: number[] = [];
  const withRef: number[] = [];
  run('/?utm_source=bench');
  run('/?utm_source=bench&ref_id=abc123xyz');
  for (let round = 0; round < options.rounds; round++) {
    without.push(run('/?utm_source=bench'));
    withRef.push(run('/?utm_source=bench&ref_id=abc123xyz'));
  }
  await capture.close(0);
  return { withoutRefId: median(without), withRefId: median(withRef) };
}
