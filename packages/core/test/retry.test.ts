import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from '../src/client/retry.js';

describe('retry policy', () => {
  it('retries exactly the transient statuses', () => {
    const retried = [];
    for (let status = 100; status < 600; status++) if (isRetryableStatus(status)) retried.push(status);
    expect(retried).toEqual([408, 425, 429, 500, 502, 503, 504]);
  });

  it('uses full jitter under an exponential ceiling with a cap', () => {
    expect([0, 1, 2, 3].map((retry) => backoffDelay(retry, 500, 30_000, () => 0.999999))).toEqual([
      499, 999, 1999, 3999,
    ]);
    expect(backoffDelay(10, 500, 30_000, () => 0.999999)).toBe(29_999);
    expect(backoffDelay(1_000, 500, 30_000, () => 0.5)).toBe(15_000);
    expect(backoffDelay(3, 500, 30_000, () => 0)).toBe(0);
  });

  it('parses Retry-After in seconds and as an HTTP date', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Fri, 04 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 04 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(['5', '9'], now)).toBe(5_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
