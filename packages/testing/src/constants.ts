/** Path of the Growth Channel postback endpoint, as the real API serves it (trailing slash included). */
export const POSTBACK_PATH = '/api/public/growth-channel-postback/';

/** Largest request body accepted before answering 413, in bytes (1 MiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Address bound when none is given: loopback, so a test receiver is never reachable from the network. */
export const DEFAULT_HOST = '127.0.0.1';

/** How long `waitForPostbacks` / `waitForRequests` wait when no timeout is given. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5000;

/** Stands in for the API key wherever a request is recorded, so keys never reach logs or snapshots. */
export const REDACTED = '[redacted]';

/**
 * Client options that make retries cost milliseconds in tests: tiny backoffs and no `Retry-After`
 * floor. Spread them into `createClient()` (or a framework package's `client` option).
 */
export const FAST_RETRIES = Object.freeze({ backoffBaseMs: 1, backoffMaxMs: 5, retryAfterMinMs: 0 });

/** The key {@link Receiver.clientOptions} gives when the receiver accepts any key. */
export const ANY_KEY_PLACEHOLDER = 'test-api-key';
