/** Options of {@link startReceiver}. */
export interface ReceiverOptions {
  /**
   * The only `X-Api-Key` value accepted; when unset, any non-empty key is accepted.
   * A missing or wrong key is answered 401 `{"status":"error","message":"..."}`.
   * @default undefined (any non-empty key)
   */
  apiKey?: string;
  /**
   * Address to listen on; an IPv6 address such as `'::1'` is bracketed in `url`.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Port to listen on; 0 picks a free port, read it back from `url`.
   * @default 0
   */
  port?: number;
  /**
   * Path of the postback endpoint; any other path is answered 404.
   * @default POSTBACK_PATH
   */
  path?: string;
  /**
   * Fraction (0..1) of endpoint requests answered 503 at random, for manual testing; injected faults take precedence.
   * @default 0
   */
  failRate?: number;
  /**
   * Called with the record of each request once it is answered; errors it throws (or rejections) are swallowed.
   * @default undefined
   */
  onRequest?: (record: ReceivedRequest) => void;
}

/** One request as the receiver saw and answered it. */
export interface ReceivedRequest {
  /** HTTP method, e.g. `'POST'`. */
  method: string;
  /** Request target: the path, plus the query string if any. */
  path: string;
  /** Request headers with lower-cased names; repeated headers are joined with `', '` and `x-api-key` reads `'[redacted]'`. */
  headers: Record<string, string>;
  /** Body as UTF-8 text; empty when the body went over the 1 MiB limit. */
  rawBody: string;
  /** Body parsed as JSON, or `undefined` when it is not JSON. */
  body: unknown;
  /** When the request arrived. */
  receivedAt: Date;
  /** Status answered; 0 when a `reset` fault destroyed the connection instead. */
  status: number;
  /** Which fault shaped the answer, if any (`'random'` is the `failRate` one). */
  fault?: 'status' | 'delay' | 'reset' | 'random';
  /** True iff the body was validated and answered 200 `{"status":"ok"}`: a `status` fault never counts. */
  accepted: boolean;
}

/** The body of an accepted postback, as the API documents it. */
export interface ReceivedPostback {
  /** Tracking id captured from the landing URL. */
  ref_id: string;
  /** Conversion tracker the conversion is attributed to. */
  tracker_id?: string;
  /** Name of the conversion event, e.g. `'user_converted'`. */
  event_name?: string;
  /** Revenue of the conversion. */
  revenue?: number;
  /** Free-form metadata of the conversion. */
  conversion_data?: Record<string, unknown>;
}

/**
 * A fault to inject with {@link Receiver.inject}; each applies to the next `times` requests to the endpoint
 * path (whatever their method), @default times 1; `times: Infinity` applies it to every later request.
 */
export type Fault =
  | {
      /** Status to answer, 200..599, without looking at the request (no auth, no validation). */
      status: number;
      /** Value of a `Retry-After` header (whole seconds or an HTTP date); no header when unset. */
      retryAfter?: number | string;
      /** Extra answer headers, e.g. `{ location: 'http://elsewhere.example/' }` with a 3xx. */
      headers?: Record<string, string>;
      /**
       * Body to answer: an object is sent as JSON, a string verbatim as `text/plain`.
       * `{status: 200, body: {status: 'dropped'}}` simulates a 2xx that is not ok.
       * @default {"status":"error","message":"injected fault"}
       */
      body?: string | Record<string, unknown>;
      /** How many requests this fault applies to. @default 1 */
      times?: number;
    }
  | {
      /** Milliseconds to wait before handling the request normally (auth and validation included). */
      delayMs: number;
      /** How many requests this fault applies to. @default 1 */
      times?: number;
    }
  | {
      /** Destroys the connection (TCP reset) after reading the request, without any answer. */
      reset: true;
      /** How many requests this fault applies to. @default 1 */
      times?: number;
    };

/** Options of {@link Receiver.waitForPostbacks} and {@link Receiver.waitForRequests}. */
export interface WaitOptions {
  /**
   * How long to wait before rejecting.
   * @default 5000
   */
  timeoutMs?: number;
}

/** A running local receiver, as returned by {@link startReceiver}. */
/** What {@link Receiver.clientOptions} returns: plain client options, no dependency on the client. */
export interface ReceiverClientOptions {
  apiKey: string;
  baseUrl: string;
  backoffBaseMs: number;
  backoffMaxMs: number;
  retryAfterMinMs: number;
}

export interface Receiver {
  /** Origin of the receiver, e.g. `'http://127.0.0.1:43121'`: a client's `baseUrl` (the client appends the path). */
  readonly url: string;
  /** Full endpoint URL: `url` plus the endpoint path. */
  readonly endpoint: string;
  /** Every answered request in arrival order: a fresh copy on each read, so it never changes under you. */
  readonly requests: readonly ReceivedRequest[];
  /** Bodies of accepted requests only, in arrival order: a fresh copy on each read. */
  readonly postbacks: readonly ReceivedPostback[];
  /**
   * Options for a client that sends here: `apiKey` (the configured key, or a placeholder when any key
   * is accepted), `baseUrl` and {@link FAST_RETRIES}. `createClient(receiver.clientOptions())`.
   */
  clientOptions(): ReceiverClientOptions;
  /** TCP connections accepted so far (not reset by `clear()`), to assert keep-alive reuse. */
  readonly connections: number;
  /** Queues a fault; faults form a FIFO and the next one applies once the previous one is used up. */
  inject(fault: Fault): void;
  /** Resolves with the postbacks once at least `count` are accepted; rejects saying how many arrived after the timeout. */
  waitForPostbacks(count: number, options?: WaitOptions): Promise<ReceivedPostback[]>;
  /** Resolves with the requests once at least `count` are answered; rejects saying how many arrived after the timeout. */
  waitForRequests(count: number, options?: WaitOptions): Promise<ReceivedRequest[]>;
  /** Forgets recorded requests, postbacks and pending faults (not the connection count); requests in flight are not recorded. */
  clear(): void;
  /** Stops listening and destroys open sockets, including those held by a delay fault; idempotent, never rejects. */
  close(): Promise<void>;
}
