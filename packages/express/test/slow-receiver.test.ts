import { describe, expect, it } from 'vitest';
import { CONVERSION, EXPRESS_VERSIONS, startApp } from './helpers.js';

// Concurrent, so the two waits for the slow receiver overlap.
describe('a slow receiver', () => {
  it.concurrent.for(EXPRESS_VERSIONS)(
    '%s: does not slow trackConversion responses; close() still delivers the postback',
    async ([, express], { onTestFinished }) => {
      const h = await startApp(express, { onFinished: (cleanup) => onTestFinished(cleanup) });
      const agent = h.agent();
      await agent.get('/landing?ref_id=abc');
      h.receiver.inject({ delayMs: 2_000 });

      const started = performance.now();
      const convert = await agent.post('/convert');
      const elapsed = performance.now() - started;
      expect(convert.body).toEqual({ queued: true });
      expect(elapsed).toBeLessThan(1_000);
      expect(h.receiver.postbacks).toEqual([]);

      const result = await h.capture.close();
      expect(result).toEqual({ delivered: 1, failed: 0, dropped: 0 });
      expect(h.receiver.postbacks).toStrictEqual([
        { ref_id: 'abc', event_name: 'user_converted', ...CONVERSION },
      ]);
      expect(h.capture.client.closed).toBe(true);
    },
  );
});
