import { timingSafeEqual } from 'node:crypto';

/**
 * Checks the `X-Api-Key` header values (as `headersDistinct` gives them) and returns the 401 message, or undefined when the key is accepted.
 * With no configured key any non-empty key passes, so tests need not share a secret with the client.
 */
export function checkApiKey(values: string[] | undefined, expected: string | undefined): string | undefined {
  // Node would join repeated headers into "a, b"; a real gateway refuses the ambiguity instead.
  if (values !== undefined && values.length > 1) return 'exactly one X-Api-Key header is required';
  const header = values?.[0];
  if (header === undefined || header === '') return 'missing X-Api-Key header';
  if (expected === undefined) return undefined;
  const given = Buffer.from(header);
  const wanted = Buffer.from(expected);
  // Constant-time like a real server, so the receiver does not teach clients a bad habit by example.
  const matches = given.length === wanted.length && timingSafeEqual(given, wanted);
  return matches ? undefined : 'invalid API key';
}
