import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { inspect } from 'node:util';
import { type Dispatcher, Pool } from 'undici';
import {
  GrowthChannelClosedError,
  GrowthChannelConfigError,
  type GrowthChannelError,
  GrowthChannelQueueFullError,
  GrowthChannelTimeoutError,
  GrowthChannelValidationError,
  isGrowthChannelError,
} from '../errors.js';
import { type Postback, type PostbackInput, type PostbackResponse, parsePostback } from '../schema.js';
import { Fifo } from './fifo.js';
import {
  API_KEY_ENV,
  type ClientOptions,
  MAX_TIMER_MS,
  type ResolvedClientOptions,
  resolveClientOptions,
} from './options.js';
import { backoffDelay, clamp } from './retry.js';
import { type AttemptTarget, attemptDelivery } from './transport.js';

/** Counts over the client's lifetime, plus what it holds now. */
export interface ClientStats {
  /** Postbacks the endpoint accepted with `{"status":"ok"}`. */
  delivered: number;
  /** Postbacks that finally failed (retries exhausted or a final answer). */
  failed: number;
  /** Postbacks refused by `track()` (invalid, queue full, closed, no key) or abandoned at close. */
  dropped: number;
  /** Postbacks waiting in the queue. */
  queued: number;
  /** Postbacks being delivered now. */
  inFlight: number;
}

/** The request `send()` would make, as {@link GrowthChannelClient.preview} shows it. */
export interface PostbackRequestPreview {
  method: 'POST';
  url: string;
  /** Lower-case names; `x-api-key` is `[redacted]` and `idempotency-key` a fresh UUID. */
  headers: Record<string, string>;
  /** The exact JSON body. */
  body: string;
}

/** What `close()` resolves with. */
export type CloseResult = Pick<ClientStats, 'delivered' | 'failed' | 'dropped'>;

/** Sends postbacks to Growth Channel. Create one per process with {@link createClient}. */
export interface GrowthChannelClient {
  /**
   * Validates and sends one postback now, with retries. Resolves with the endpoint's answer
   * (`{ status: 'ok' }`) or rejects with a {@link GrowthChannelError}.
   */
  send(postback: PostbackInput): Promise<PostbackResponse>;
  /**
   * Validates and queues one postback for background delivery. Never throws: returns `false` when it
   * was refused, and every refusal or final failure goes to `onError`.
   */
  track(postback: PostbackInput): boolean;
  /**
   * Resolves `true` once everything queued or sent so far has been delivered or has finally failed,
   * or `false` when `timeoutMs` passes first (delivery then goes on).
   */
  flush(timeoutMs?: number): Promise<boolean>;
  /**
   * Stops accepting postbacks, flushes within `timeoutMs`, abandons what is left (reported to
   * `onError`), and releases the connection pool. Idempotent; never rejects.
   */
  close(timeoutMs?: number): Promise<CloseResult>;
  /**
   * Validates a postback and returns the HTTP request `send()` would make for it, with the key
   * redacted: for dry runs and debugging. Throws a validation error like `send()`.
   */
  preview(postback: PostbackInput): PostbackRequestPreview;
  /** Lifetime counts and current queue depth. */
  readonly stats: ClientStats;
  /** True once `close()` has been called. */
  readonly closed: boolean;
  /** The full endpoint URL postbacks go to. */
  readonly endpoint: string;
}

const CLIENT_BRAND = Symbol.for('@growth-channel/core.client');

/** True when `value` is a client made by {@link createClient} (any copy of this package). */
export function isGrowthChannelClient(value: unknown): value is GrowthChannelClient {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CLIENT_BRAND] === true
  );
}

/**
 * Creates a client. Options are validated here; a missing API key is reported at the first send.
 * @example
 * const client = createClient({ apiKey: process.env.GROWTH_CHANNEL_API_KEY });
 * client.track({ ref_id: 'abc123', event_name: 'user_converted', revenue: 49 });
 * process.on('SIGTERM', async () => { await client.close(); process.exit(0); });
 */
export function createClient(options: ClientOptions = {}): GrowthChannelClient {
  return new Client(resolveClientOptions(options));
}

interface Job {
  readonly body: string;
  readonly key: string;
  readonly seq: number;
  readonly tracked: boolean;
}

interface FlushWaiter {
  readonly target: number;
  readonly resolve: (settled: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

class Client implements GrowthChannelClient {
  readonly #options: ResolvedClientOptions;
  readonly #target: AttemptTarget;
  readonly #ownedPool: Pool | undefined;
  readonly #queue = new Fifo<Job>();
  readonly #inFlight = new Set<Job>();
  readonly #closeController = new AbortController();
  #waiters: FlushWaiter[] = [];
  #seq = 0;
  #active = 0;
  #pausedUntil = 0;
  #delivered = 0;
  #failed = 0;
  #dropped = 0;
  #closePromise: Promise<CloseResult> | undefined;
  #pumpTimer: NodeJS.Timeout | undefined;

  constructor(options: ResolvedClientOptions) {
    this.#options = options;
    Object.defineProperty(this, CLIENT_BRAND, { value: true });
    // Every in-flight request listens on this one signal.
    setMaxListeners(0, this.#closeController.signal);
    this.#ownedPool =
      options.dispatcher === undefined
        ? new Pool(options.origin, {
            connections: options.maxConcurrency,
            connect: { timeout: options.connectTimeoutMs },
          })
        : undefined;
    const dispatcher: Dispatcher = options.dispatcher ?? (this.#ownedPool as Pool);
    const apiKey = options.apiKey;
    const userAgent = 'growth-channel-node';
    this.#target = {
      dispatcher,
      abortWithSignal: this.#ownedPool === undefined,
      origin: options.origin,
      path: options.path,
      headers: (idempotencyKey) => ({
        'content-type': 'application/json',
        'x-api-key': apiKey ?? '',
        'idempotency-key': idempotencyKey,
        'user-agent': userAgent,
      }),
      redact: (text) => (apiKey && text.includes(apiKey) ? text.replaceAll(apiKey, '[redacted]') : text),
    };
    if (options.plainHttpToRemote) {
      options.logger?.warn?.(
        `Growth Channel postbacks go to ${options.origin} over plain http: the API key travels unencrypted. Set baseUrl (or GROWTH_CHANNEL_BASE_URL) to an https origin when one is available.`,
        { origin: options.origin },
      );
    }
  }

  get endpoint(): string {
    return this.#options.endpoint;
  }

  get closed(): boolean {
    return this.#closePromise !== undefined;
  }

  get stats(): ClientStats {
    return {
      delivered: this.#delivered,
      failed: this.#failed,
      dropped: this.#dropped,
      queued: this.#queue.length,
      inFlight: this.#inFlight.size,
    };
  }

  async send(input: PostbackInput): Promise<PostbackResponse> {
    if (this.closed) throw new GrowthChannelClosedError('The client is closed; send() refused the postback.');
    const body = JSON.stringify(parsePostback(input));
    this.#requireApiKey();
    const job: Job = { body, key: randomUUID(), seq: ++this.#seq, tracked: false };
    this.#inFlight.add(job);
    try {
      const response = await this.#deliver(job);
      this.#delivered++;
      return response;
    } catch (error) {
      this.#countFailure(error);
      throw error;
    } finally {
      this.#inFlight.delete(job);
      this.#settle();
    }
  }

  preview(input: PostbackInput): PostbackRequestPreview {
    const body = JSON.stringify(parsePostback(input));
    const headers = { ...this.#target.headers(randomUUID()), 'x-api-key': '[redacted]' };
    return { method: 'POST', url: this.endpoint, headers, body };
  }

  track(input: PostbackInput): boolean {
    try {
      if (this.closed) {
        return this.#refuse(
          new GrowthChannelClosedError('The client is closed; track() refused the postback.'),
          input,
        );
      }
      let body: string;
      try {
        body = JSON.stringify(parsePostback(input));
      } catch (error) {
        return this.#refuse(error, undefined);
      }
      if (this.#options.apiKey === undefined) return this.#refuse(missingKeyError(), input);
      if (this.#queue.length + this.#inFlight.size >= this.#options.maxQueueSize) {
        return this.#refuse(
          new GrowthChannelQueueFullError(
            `The queue already holds maxQueueSize (${this.#options.maxQueueSize}) postbacks; this one was refused. Is the endpoint down or slow?`,
          ),
          input,
        );
      }
      this.#queue.push({ body, key: randomUUID(), seq: ++this.#seq, tracked: true });
      this.#pump();
      return true;
    } catch (error) {
      // Last line of defence: track() sits in request paths and must never throw.
      return this.#refuse(error, undefined);
    }
  }

  flush(timeoutMs: number = this.#options.closeTimeoutMs): Promise<boolean> {
    timeoutMs = timerDelay(timeoutMs);
    const target = this.#seq;
    if (this.#lowestUnsettled() > target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter.timer !== timer);
        resolve(false);
      }, timeoutMs);
      // Not unref-ed: a caller awaiting flush()/close() expects the process to live until delivery
      // or the deadline; the deadline bounds how long that can be.
      this.#waiters.push({ target, resolve, timer });
    });
  }

  close(timeoutMs: number = this.#options.closeTimeoutMs): Promise<CloseResult> {
    this.#closePromise ??= this.#shutdown(timerDelay(timeoutMs));
    return this.#closePromise;
  }

  async #shutdown(timeoutMs: number): Promise<CloseResult> {
    try {
      const flushed = await this.flush(timeoutMs);
      if (!flushed) {
        for (const job of this.#queue.drain()) {
          this.#dropped++;
          this.#report(
            new GrowthChannelClosedError(
              `close() deadline (${timeoutMs} ms) passed before this postback could be sent; it was dropped.`,
              { idempotencyKey: job.key, attempts: 0 },
            ),
            job,
          );
        }
      }
      clearTimeout(this.#pumpTimer);
      this.#closeController.abort(new GrowthChannelClosedError('The client was closed.'));
      if (this.#ownedPool !== undefined) {
        // Aborts what is still in flight (the close signal reaches only retry waits here).
        if (!flushed) await this.#ownedPool.destroy(new GrowthChannelClosedError('The client was closed.'));
        else await this.#ownedPool.close();
      }
      await this.flush(1_000);
    } catch (error) {
      this.#options.logger?.warn?.('Growth Channel client: error while closing', { error: String(error) });
    }
    return { delivered: this.#delivered, failed: this.#failed, dropped: this.#dropped };
  }

  #pump(): void {
    const wait = this.#pausedUntil - Date.now();
    if (wait > 0 && this.#queue.length > 0) {
      // The endpoint asked the client to wait (Retry-After): queued postbacks stay queued, and their
      // deadline only starts when they leave the queue, so a long pause does not fail them unsent.
      if (this.#pumpTimer === undefined) {
        this.#pumpTimer = setTimeout(() => {
          this.#pumpTimer = undefined;
          this.#pump();
        }, wait);
        this.#pumpTimer.unref();
      }
      return;
    }
    while (this.#active < this.#options.maxConcurrency && this.#queue.length > 0) {
      const job = this.#queue.shift() as Job;
      this.#active++;
      this.#inFlight.add(job);
      this.#deliver(job).then(
        () => {
          this.#delivered++;
          this.#finish(job);
        },
        (error: unknown) => {
          this.#countFailure(error);
          this.#report(error, job);
          this.#finish(job);
        },
      );
    }
  }

  #finish(job: Job): void {
    this.#active--;
    this.#inFlight.delete(job);
    this.#pump();
    this.#settle();
  }

  async #deliver(job: Job): Promise<PostbackResponse> {
    const options = this.#options;
    const signal = this.#closeController.signal;
    const deadline = Date.now() + options.deadlineMs;
    let lastError: GrowthChannelError | undefined;
    for (let attempt = 1; ; attempt++) {
      const now = Date.now();
      if (this.#pausedUntil > now) {
        if (this.#pausedUntil >= deadline) throw this.#giveUp(lastError, job, attempt - 1, deadline);
        if (!(await sleep(this.#pausedUntil - now, signal, !job.tracked))) throw abandoned(job, attempt - 1);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.#giveUp(lastError, job, attempt - 1, deadline);
      const result = await attemptDelivery(
        this.#target,
        job.body,
        job.key,
        Math.min(options.timeoutMs, remaining),
        signal,
      );
      if (result.ok) {
        options.logger?.debug?.('Growth Channel postback delivered', {
          idempotencyKey: job.key,
          attempts: attempt,
          status: result.status,
        });
        return result.response;
      }
      const error = result.error;
      error.attempts = attempt;
      error.idempotencyKey = job.key;
      let delay: number | undefined;
      if (result.retryAfterMs !== undefined) {
        delay = clamp(result.retryAfterMs, options.retryAfterMinMs, options.retryAfterMaxMs);
        // One gate for the whole client, set even when this postback retries no more: queued
        // postbacks wait for it instead of each meeting a 429.
        this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + delay);
      }
      if (!result.retryable || attempt > options.maxRetries) throw error;
      delay ??= backoffDelay(attempt - 1, options.backoffBaseMs, options.backoffMaxMs, Math.random);
      if (Date.now() + delay >= deadline) throw this.#giveUp(error, job, attempt, deadline);
      options.logger?.debug?.('Growth Channel postback attempt failed; retrying', {
        idempotencyKey: job.key,
        attempt,
        code: error.code,
        status: error.status,
        retryInMs: delay,
      });
      lastError = error;
      if (!(await sleep(delay, signal, !job.tracked))) throw abandoned(job, attempt);
    }
  }

  #giveUp(
    lastError: GrowthChannelError | undefined,
    job: Job,
    attempts: number,
    deadline: number,
  ): GrowthChannelError {
    if (lastError !== undefined) return lastError;
    return new GrowthChannelTimeoutError(
      `deadlineMs (${this.#options.deadlineMs} ms) would pass before the endpoint's Retry-After pause ends (${new Date(deadline).toISOString()}).`,
      { attempts, idempotencyKey: job.key },
    );
  }

  #lowestUnsettled(): number {
    let lowest = this.#queue.peek()?.seq ?? Number.POSITIVE_INFINITY;
    for (const job of this.#inFlight) if (job.seq < lowest) lowest = job.seq;
    return lowest;
  }

  #settle(): void {
    if (this.#waiters.length === 0) return;
    const lowest = this.#lowestUnsettled();
    const pending: FlushWaiter[] = [];
    for (const waiter of this.#waiters) {
      if (lowest > waiter.target) {
        clearTimeout(waiter.timer);
        waiter.resolve(true);
      } else {
        pending.push(waiter);
      }
    }
    this.#waiters = pending;
  }

  #countFailure(error: unknown): void {
    if (isGrowthChannelError(error) && error.code === 'GC_ERR_CLOSED') this.#dropped++;
    else this.#failed++;
  }

  #refuse(error: unknown, input: PostbackInput | undefined): false {
    this.#dropped++;
    try {
      this.#reportError(toGrowthChannelError(error), asPostback(input));
    } catch {
      // Reporting must not throw back into track(), where the outer catch would count it twice.
    }
    return false;
  }

  #report(error: unknown, job: Job): void {
    this.#reportError(toGrowthChannelError(error), JSON.parse(job.body) as Postback);
  }

  #reportError(error: GrowthChannelError, postback: Postback | undefined): void {
    const { onError, logger } = this.#options;
    try {
      if (onError) onError(error, postback);
      else if (logger?.warn)
        logger.warn(`Growth Channel postback not delivered: ${error.message}`, { code: error.code });
      else console.warn(`[growth-channel] postback not delivered (${error.code}): ${error.message}`);
    } catch {
      // An onError that throws must not take the queue (or the caller's request) down with it.
    }
  }

  #requireApiKey(): void {
    if (this.#options.apiKey === undefined) throw missingKeyError();
  }

  toJSON(): Record<string, unknown> {
    return {
      endpoint: this.endpoint,
      apiKey: this.#options.apiKey ? '[redacted]' : undefined,
      ...this.stats,
    };
  }

  [inspect.custom](): string {
    return `GrowthChannelClient ${inspect(this.toJSON())}`;
  }
}

function missingKeyError(): GrowthChannelConfigError {
  return new GrowthChannelConfigError(
    `No API key: pass \`apiKey\` to createClient() or set the ${API_KEY_ENV} environment variable.`,
  );
}

function toGrowthChannelError(error: unknown): GrowthChannelError {
  if (isGrowthChannelError(error)) return error;
  // Only a hostile input (a throwing getter, a proxy) gets here from track(): it could not be read.
  return new GrowthChannelValidationError('Invalid postback: it could not be read.', [], { cause: error });
}

function asPostback(input: unknown): Postback | undefined {
  try {
    return input !== null && typeof input === 'object' && typeof (input as Postback).ref_id === 'string'
      ? (input as Postback)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A flush/close deadline as setTimeout accepts it: Node turns anything above 2^31-1 ms (Infinity
 * included) into 1 ms, which would drop everything at once. Larger means "as long as possible".
 */
function timerDelay(ms: number): number {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

function abandoned(job: Job, attempts: number): GrowthChannelClosedError {
  return new GrowthChannelClosedError('The client was closed while this postback waited to be retried.', {
    attempts,
    idempotencyKey: job.key,
  });
}

/**
 * Resolves `true` after `ms`, or `false` as soon as `signal` aborts. Background retries (`track()`)
 * must not hold the process open; an awaited `send()` must, or the process exits mid-retry and the
 * caller's promise never settles.
 */
function sleep(ms: number, signal: AbortSignal, keepAlive: boolean): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    if (!keepAlive) timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
