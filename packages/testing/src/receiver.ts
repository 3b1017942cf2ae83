import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIPv6, type Socket } from 'node:net';
import { checkApiKey } from './api-key.js';
import {
  ANY_KEY_PLACEHOLDER,
  DEFAULT_WAIT_TIMEOUT_MS,
  FAST_RETRIES,
  MAX_BODY_BYTES,
  REDACTED,
} from './constants.js';
import { isJsonContentType } from './content-type.js';
import { FaultQueue } from './faults.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import { type ReadBody, readBody } from './read-body.js';
import { RecordStore } from './records.js';
import { send, sendError, sendJson } from './respond.js';
import type {
  Fault,
  ReceivedPostback,
  ReceivedRequest,
  Receiver,
  ReceiverClientOptions,
  ReceiverOptions,
  WaitOptions,
} from './types.js';
import { checkPostbackBody, tryParseJson } from './validate-body.js';

type StatusFault = Extract<Fault, { status: number }>;
type DelayFault = Extract<Fault, { delayMs: number }>;

/** The fault chosen for a request when it arrived: an injected one, or the random `failRate` one. */
type Chosen =
  | { kind: 'status'; fault: StatusFault }
  | { kind: 'delay'; fault: DelayFault }
  | { kind: 'reset' }
  | { kind: 'random' };

/** What is known of a request before it is answered. */
interface Arrival {
  seq: number;
  generation: number;
  req: IncomingMessage;
  res: ServerResponse;
  receivedAt: Date;
  onPath: boolean;
  chosen: Chosen | undefined;
}

/** How the endpoint answers a request it handles normally. */
interface Verdict {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  postback?: ReceivedPostback;
}

const DEFAULT_FAULT_BODY = { status: 'error', message: 'injected fault' };

function toChosen(fault: Fault): Chosen {
  if ('status' in fault) return { kind: 'status', fault };
  if ('delayMs' in fault) return { kind: 'delay', fault };
  return { kind: 'reset' };
}

function recordedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = name === 'x-api-key' ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Calls the user's hook; a failing hook must not break the receiver nor the test run through it. */
function callHook(hook: ((record: ReceivedRequest) => void) | undefined, record: ReceivedRequest): void {
  if (hook === undefined) return;
  try {
    const result: unknown = hook(record);
    if (result instanceof Promise) result.catch(() => undefined);
  } catch {
    // Swallowed on purpose: the hook only observes.
  }
}

class LocalReceiver implements Receiver {
  readonly #options: ResolvedOptions;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #faults = new FaultQueue();
  readonly #records = new RecordStore();
  readonly #sleeps = new Map<NodeJS.Timeout, (completed: boolean) => void>();
  #connections = 0;
  #seq = 0;
  #generation = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #url = '';

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => this.#onRequest(req, res));
    this.#server.on('connection', (socket: Socket) => {
      this.#connections += 1;
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  get url(): string {
    return this.#url;
  }

  get endpoint(): string {
    return `${this.#url}${this.#options.path}`;
  }

  clientOptions(): ReceiverClientOptions {
    return { apiKey: this.#options.apiKey ?? ANY_KEY_PLACEHOLDER, baseUrl: this.#url, ...FAST_RETRIES };
  }

  get requests(): readonly ReceivedRequest[] {
    return this.#records.requests;
  }

  get postbacks(): readonly ReceivedPostback[] {
    return this.#records.postbacks;
  }

  get connections(): number {
    return this.#connections;
  }

  listen(): Promise<void> {
    const { host, port } = this.#options;
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        const address = this.#server.address() as AddressInfo;
        this.#url = `http://${isIPv6(host) ? `[${host}]` : host}:${address.port}`;
        resolve();
      });
    });
  }

  inject(fault: Fault): void {
    this.#faults.push(fault);
  }

  async waitForPostbacks(count: number, options: WaitOptions = {}): Promise<ReceivedPostback[]> {
    await this.#records.waitFor('postbacks', count, options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
    return this.#records.postbacks;
  }

  async waitForRequests(count: number, options: WaitOptions = {}): Promise<ReceivedRequest[]> {
    await this.#records.waitFor('requests', count, options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
    return this.#records.requests;
  }

  clear(): void {
    // Requests already in flight belong to the test that ran before; they must not leak into the next one.
    this.#generation += 1;
    this.#records.clear();
    this.#faults.clear();
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#closed = true;
      for (const [timer, wake] of this.#sleeps) {
        clearTimeout(timer);
        wake(false);
      }
      this.#sleeps.clear();
      this.#records.close();
      try {
        this.#server.close(() => resolve());
        // Keep-alive sockets, and ones held by a delay fault, would otherwise keep close() waiting.
        this.#server.closeAllConnections();
        for (const socket of this.#sockets) socket.destroy();
      } catch {
        resolve();
      }
    });
    return this.#closing;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const target = req.url ?? '/';
    const onPath = target.split('?')[0] === this.#options.path;
    // Chosen on arrival, not once the body is in, so the FIFO follows the order requests came in.
    const arrival: Arrival = {
      seq: ++this.#seq,
      generation: this.#generation,
      req,
      res,
      receivedAt: new Date(),
      onPath,
      chosen: onPath ? this.#choose() : undefined,
    };
    readBody(req, MAX_BODY_BYTES)
      .then((body) => this.#answer(arrival, body))
      // The client went away mid-body, or answering failed: a hung client is worse than a closed socket.
      .catch(() => req.socket.destroy());
  }

  #choose(): Chosen | undefined {
    const fault = this.#faults.take();
    if (fault !== undefined) return toChosen(fault);
    const { failRate } = this.#options;
    if (failRate > 0 && Math.random() < failRate) return { kind: 'random' };
    return undefined;
  }

  async #answer(arrival: Arrival, body: ReadBody): Promise<void> {
    if (this.#closed) return;
    const { chosen, req, res } = arrival;
    if (chosen?.kind === 'reset') {
      this.#record(arrival, body, 0, 'reset');
      req.socket.resetAndDestroy();
      return;
    }
    if (chosen?.kind === 'random') {
      this.#record(arrival, body, 503, 'random');
      sendError(res, 503, 'random failure (failRate)');
      return;
    }
    if (chosen?.kind === 'status') {
      const { status, retryAfter, body: answer = DEFAULT_FAULT_BODY } = chosen.fault;
      const headers: Record<string, string> = { ...chosen.fault.headers };
      if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
      this.#record(arrival, body, status, 'status');
      if (typeof answer === 'string') send(res, status, answer, 'text/plain; charset=utf-8', headers);
      else sendJson(res, status, answer, headers);
      return;
    }
    if (chosen?.kind === 'delay') {
      // The request is still handled after the delay even if the client gave up, as a real server would.
      if (!(await this.#sleep(chosen.fault.delayMs))) return;
    }
    const verdict = this.#judge(arrival, body);
    this.#record(
      arrival,
      body,
      verdict.status,
      chosen?.kind === 'delay' ? 'delay' : undefined,
      verdict.postback,
    );
    sendJson(res, verdict.status, verdict.body, verdict.headers);
  }

  /** The endpoint contract, checked in the order a real server would: route, method, auth, media type, body. */
  #judge(arrival: Arrival, body: ReadBody): Verdict {
    const { req, onPath } = arrival;
    if (!onPath)
      return { status: 404, body: { status: 'error', message: `not found: ${req.method} ${req.url}` } };
    if (req.method !== 'POST') {
      return {
        status: 405,
        body: { status: 'error', message: `method ${req.method} not allowed; use POST` },
        headers: { allow: 'POST' },
      };
    }
    const keyProblem = checkApiKey(req.headersDistinct['x-api-key'], this.#options.apiKey);
    if (keyProblem !== undefined) return { status: 401, body: { status: 'error', message: keyProblem } };
    if (!isJsonContentType(req.headers['content-type'])) {
      const given = req.headers['content-type'] ?? 'none';
      return {
        status: 415,
        body: { status: 'error', message: `Content-Type must be application/json, got ${given}` },
      };
    }
    if (body.tooLarge) {
      return { status: 413, body: { status: 'error', message: `body exceeds ${MAX_BODY_BYTES} bytes` } };
    }
    const check = checkPostbackBody(body.raw);
    if (!check.ok) return { status: 400, body: { status: 'error', message: check.message } };
    return { status: 200, body: { status: 'ok' }, postback: check.postback };
  }

  #record(
    arrival: Arrival,
    body: ReadBody,
    status: number,
    fault: ReceivedRequest['fault'],
    postback?: ReceivedPostback,
  ): void {
    const { req } = arrival;
    const rawBody = body.raw.toString('utf8');
    const record: ReceivedRequest = {
      method: req.method ?? '',
      path: req.url ?? '/',
      headers: recordedHeaders(req),
      rawBody,
      body: tryParseJson(rawBody),
      receivedAt: arrival.receivedAt,
      status,
      ...(fault === undefined ? {} : { fault }),
      accepted: postback !== undefined,
    };
    // Recorded before the answer leaves, so a client that sees its answer always finds the record.
    if (arrival.generation === this.#generation) this.#records.add(arrival.seq, record, postback);
    callHook(this.#options.onRequest, record);
  }

  /** Waits, unless close() comes first: resolves whether the full delay elapsed. */
  #sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleeps.delete(timer);
        resolve(true);
      }, ms);
      // close() clears it anyway; unref makes sure it can never be what keeps a process up.
      timer.unref();
      this.#sleeps.set(timer, resolve);
    });
  }
}

/**
 * Starts a local Growth Channel postback receiver and resolves once it listens.
 *
 * @example
 * ```ts
 * const receiver = await startReceiver({ apiKey: 'test-key' });
 * const client = createClient({ apiKey: 'test-key', baseUrl: receiver.url });
 * await client.send({ ref_id: 'abc123', event_name: 'user_converted' });
 * expect(receiver.postbacks).toEqual([{ ref_id: 'abc123', event_name: 'user_converted' }]);
 * receiver.inject({ status: 503, retryAfter: 1 }); // the next request is answered 503
 * await receiver.close();
 * ```
 */
export async function startReceiver(options?: ReceiverOptions): Promise<Receiver> {
  const receiver = new LocalReceiver(resolveOptions(options));
  await receiver.listen();
  return receiver;
}
