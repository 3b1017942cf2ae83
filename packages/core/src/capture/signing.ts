import { createHmac, timingSafeEqual } from 'node:crypto';

/** Appends an HMAC-SHA256 signature: `value.signature` (base64url has no dot, so the split is unambiguous). */
export function signValue(value: string, secret: string): string {
  return `${value}.${createHmac('sha256', secret).update(value).digest('base64url')}`;
}

/** Returns the value when one of `secrets` signed it, else `undefined`. Constant-time comparison. */
export function unsignValue(signed: string, secrets: readonly string[]): string | undefined {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const value = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  for (const secret of secrets) {
    const expected = Buffer.from(createHmac('sha256', secret).update(value).digest('base64url'));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return value;
  }
  return undefined;
}
