import { DEFAULT_HOST, POSTBACK_PATH } from './constants.js';
import type { ReceivedRequest, ReceiverOptions } from './types.js';

/** Receiver options once validated, with every default filled in. */
export interface ResolvedOptions {
  apiKey: string | undefined;
  host: string;
  port: number;
  path: string;
  failRate: number;
  onRequest: ((record: ReceivedRequest) => void) | undefined;
}

/**
 * Validates options once, up front, so a typo fails at `startReceiver` with the option's name
 * instead of as a puzzling answer later.
 */
export function resolveOptions(options: ReceiverOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('startReceiver: options must be an object');
  }
  const { apiKey, host = DEFAULT_HOST, port = 0, path = POSTBACK_PATH, failRate = 0, onRequest } = options;

  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey === '')) {
    throw new TypeError('startReceiver: `apiKey` must be a non-empty string when given');
  }
  if (typeof host !== 'string' || host === '') {
    throw new TypeError('startReceiver: `host` must be a non-empty string');
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`startReceiver: \`port\` must be an integer from 0 to 65535, got ${String(port)}`);
  }
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path)) {
    throw new TypeError(
      `startReceiver: \`path\` must start with '/' and hold no query, fragment or space, got ${JSON.stringify(path)}`,
    );
  }
  if (typeof failRate !== 'number' || !(failRate >= 0 && failRate <= 1)) {
    throw new RangeError(`startReceiver: \`failRate\` must be a number from 0 to 1, got ${String(failRate)}`);
  }
  if (onRequest !== undefined && typeof onRequest !== 'function') {
    throw new TypeError('startReceiver: `onRequest` must be a function when given');
  }
  return { apiKey, host, port, path, failRate, onRequest };
}
