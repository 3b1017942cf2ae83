import { extractRefId } from '@growth-channel/core';
import { alternate, median } from './stats.js';

export interface ExtractResult {
  extractRefId: number;
  urlBaseline: number;
}

const URLS = [
  '/landing?ref_id=abc123xyz',
  '/landing?utm_source=google&utm_medium=cpc&utm_campaign=winter&ref_id=Zm9vYmFy.1234&gclid=EAIaIQobChMI',
  '/products/42?color=red&size=m',
  '/?ref_id=tracking-id-000042&fbclid=IwAR0abc',
  '/checkout',
];

function run(fn: (url: string) => string | null | undefined, iterations: number): number {
  let found = 0;
  const started = performance.now();
  for (let i = 0; i < iterations; i++) if (fn(URLS[i % URLS.length] as string)) found++;
  const seconds = (performance.now() - started) / 1000;
  if (found === 0) throw new Error('nothing extracted');
  return iterations / seconds;
}

export async function measureExtract(options: {
  rounds: number;
  iterations: number;
}): Promise<ExtractResult> {
  const ours = (url: string) => extractRefId(url);
  const baseline = (url: string) => new URL(url, 'http://localhost').searchParams.get('ref_id');
  run(ours, options.iterations / 10);
  run(baseline, options.iterations / 10);
  const results = await alternate(options.rounds, ['extractRefId', 'urlBaseline'] as const, async (key) =>
    run(key === 'extractRefId' ? ours : baseline, options.iterations),
  );
  return { extractRefId: median(results.extractRefId), urlBaseline: median(results.urlBaseline) };
}
