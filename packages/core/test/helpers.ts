import { FAST_RETRIES, type Receiver, startReceiver } from '@growth-channel/testing';
import { afterEach } from 'vitest';
import {
  type ClientOptions,
  createClient,
  type GrowthChannelClient,
  type GrowthChannelError,
} from '../src/index.js';

export const API_KEY = 'gc_test_key_4f9a1c2b7d';

/** Options that keep retries fast: tiny backoffs, no Retry-After floor. */
export const FAST: ClientOptions = { ...FAST_RETRIES, timeoutMs: 2_000 };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

export interface Harness {
  receiver: Receiver;
  client: GrowthChannelClient;
  errors: { error: GrowthChannelError; postback: unknown }[];
}

/** A receiver that checks {@link API_KEY} and a fast client pointed at it; both closed after the test. */
export async function setup(options: ClientOptions = {}): Promise<Harness> {
  const receiver = await startReceiver({ apiKey: API_KEY });
  const errors: Harness['errors'] = [];
  const client = createClient({
    apiKey: API_KEY,
    baseUrl: receiver.url,
    ...FAST,
    onError: (error, postback) => errors.push({ error, postback }),
    ...options,
  });
  cleanups.push(
    () => client.close(200),
    () => receiver.close(),
  );
  return { receiver, client, errors };
}

export async function rejection(promise: Promise<unknown>): Promise<GrowthChannelError> {
  try {
    await promise;
  } catch (error) {
    return error as GrowthChannelError;
  }
  throw new Error('expected the promise to reject');
}
