import { EventEmitter } from 'node:events';
import type { Dispatcher } from 'undici';
import {
  GrowthChannelClosedError,
  type GrowthChannelError,
  GrowthChannelHttpError,
  GrowthChannelNetworkError,
  GrowthChannelRejectedError,
  GrowthChannelTimeoutError,
} from '../errors.js';
import type { PostbackResponse } from '../schema.js';
import { isRetryableStatus, parseRetryAfter } from './retry.js';

/** Answers bigger than this are cut: a success answer is `{"status":"ok"}`. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

const OK_BODY = '{"status":"ok"}';

export type AttemptResult =
  | { ok: true; response: PostbackResponse; status: number }
  | { ok: false; error: GrowthChannelError; retryable: boolean; retryAfterMs?: number | undefined };

export interface AttemptTarget {
  dispatcher: Dispatcher;
  /**
   * Whether each request listens on the close signal. A pool the client owns is destroyed at the
   * close deadline instead, which aborts its requests without a listener per request.
   */
  abortWithSignal: boolean;
  origin: string;
  path: string;
  /** Builds the headers of one attempt; the key lives only inside this closure's owner. */
  headers(idempotencyKey: string): Record<string, string>;
  /** Scrubs the key from an answer body, in case a server echoes request headers back. */
  redact(text: string): string;
}

const TIMEOUT = Symbol('timeout');

/**
 * The per-attempt abort signal, as an EventEmitter: undici accepts one, and it costs a few percent
 * of an AbortController (whose EventTarget machinery showed up as the client's largest own cost
 * on a busy queue).
 */
class AttemptSignal extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/**
 * One HTTP attempt, bounded as a whole (answer body included) by `timeoutMs`. Never throws: every
 * outcome is classified as success, retryable or final.
 */
export async function attemptDelivery(
  target: AttemptTarget,
  body: string,
  idempotencyKey: string,
  timeoutMs: number,
  closeSignal: AbortSignal,
): Promise<AttemptResult> {
  if (closeSignal.aborted) return closed();
  const signal = new AttemptSignal();
  const timer = setTimeout(() => signal.abort(TIMEOUT), timeoutMs);
  timer.unref();
  const onClose = () => signal.abort(closeSignal.reason);
  // A pool the client owns is destroyed at the close deadline, which aborts its requests; a
  // dispatcher of the caller's is left open, so its requests listen for the close themselves.
  if (target.abortWithSignal) closeSignal.addEventListener('abort', onClose, { once: true });
  try {
    const response = await target.dispatcher.request({
      origin: target.origin,
      path: target.path,
      method: 'POST',
      headers: target.headers(idempotencyKey),
      body,
      signal,
    });
    // The common case, a small answer of known length, skips the capped reader and its iterator.
    const length = response.headers['content-length'];
    const text =
      typeof length === 'string' && Number(length) <= MAX_RESPONSE_BYTES
        ? await response.body.text()
        : await readCapped(response.body);
    return classify(response.statusCode, response.headers, text, target.redact);
  } catch (cause) {
    if (signal.reason === TIMEOUT) {
      return {
        ok: false,
        retryable: true,
        error: new GrowthChannelTimeoutError(
          `The attempt took longer than ${timeoutMs} ms (timeoutMs, or what was left of deadlineMs).`,
        ),
      };
    }
    if (closeSignal.aborted) return closed();
    return classifyNetworkError(cause, timeoutMs, target.redact);
  } finally {
    clearTimeout(timer);
    if (target.abortWithSignal) closeSignal.removeEventListener('abort', onClose);
  }
}

function closed(): AttemptResult {
  return {
    ok: false,
    retryable: false,
    error: new GrowthChannelClosedError('The client was closed before this postback was delivered.'),
  };
}

async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_RESPONSE_BYTES) {
      chunks.push(buffer.subarray(0, buffer.length - (size - MAX_RESPONSE_BYTES)));
      body.destroy();
      break;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function classify(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  raw: string,
  redact: (text: string) => string,
): AttemptResult {
  if (status >= 200 && status < 300) {
    // The usual answer, compared before paying for JSON.parse.
    if (raw === OK_BODY) return { ok: true, status, response: { status: 'ok' } };
    const parsed = parseJson(raw);
    if (parsed !== null && typeof parsed === 'object' && (parsed as { status?: unknown }).status === 'ok') {
      return { ok: true, status, response: parsed as PostbackResponse };
    }
  }
  // Only what goes into an error is scrubbed; the success check above reads the answer as sent.
  const text = redact(raw);
  if (status >= 200 && status < 300) {
    return {
      ok: false,
      retryable: false,
      error: new GrowthChannelRejectedError(
        `The endpoint answered ${status} without {"status":"ok"}, so the postback was not accepted. Answer: ${preview(text)}`,
        { status, body: text },
      ),
    };
  }
  if (isRetryableStatus(status)) {
    return {
      ok: false,
      retryable: true,
      retryAfterMs: parseRetryAfter(headers['retry-after'], Date.now()),
      error: new GrowthChannelHttpError(`The endpoint answered ${status}. Answer: ${preview(text)}`, {
        status,
        body: text,
      }),
    };
  }
  return {
    ok: false,
    retryable: false,
    error: new GrowthChannelHttpError(finalHttpMessage(status, headers, text), { status, body: text }),
  };
}

function finalHttpMessage(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
): string {
  if (status === 401 || status === 403) {
    return `The endpoint answered ${status}: the API key was refused. Check \`apiKey\` / GROWTH_CHANNEL_API_KEY.`;
  }
  if (status >= 300 && status < 400) {
    const location = headers.location;
    let host = 'another address';
    try {
      if (typeof location === 'string') host = new URL(location, 'http://unknown').host;
    } catch {}
    return `The endpoint answered a ${status} redirect to ${host}. Redirects are never followed (the API key would travel with it): set \`baseUrl\` to the final address.`;
  }
  if (status === 400 || status === 422) {
    return `The endpoint refused the postback body (${status}); it is not retried. Answer: ${preview(text)}`;
  }
  if (status === 404) {
    return 'The endpoint answered 404: check `baseUrl` / GROWTH_CHANNEL_BASE_URL (the postback path is appended to it).';
  }
  return `The endpoint answered ${status}; it is not retried. Answer: ${preview(text)}`;
}

function classifyNetworkError(
  raw: unknown,
  timeoutMs: number,
  redact: (text: string) => string,
): AttemptResult {
  const cause = sanitizedCause(raw, redact);
  const code = (cause as { code?: unknown } | null)?.code;
  if (
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return {
      ok: false,
      retryable: true,
      error: new GrowthChannelTimeoutError(
        `The attempt timed out (${String(code)}; timeoutMs is ${timeoutMs}).`,
        {
          cause,
        },
      ),
    };
  }
  const detail = typeof code === 'string' ? code : cause instanceof Error ? cause.message : 'unknown error';
  return {
    ok: false,
    retryable: true,
    error: new GrowthChannelNetworkError(`The connection to the endpoint failed (${detail}).`, { cause }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function preview(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '(empty)';
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

/**
 * A copy of a dispatcher's error that keeps its name, code and message, the message scrubbed of
 * the key: some dispatchers (undici's MockAgent) print every request header into their errors.
 */
function sanitizedCause(raw: unknown, redact: (text: string) => string): Error {
  const message = raw instanceof Error ? raw.message : String(raw);
  const copy = new Error(redact(message));
  copy.name = raw instanceof Error ? raw.name : 'Error';
  const code = (raw as { code?: unknown } | null)?.code;
  if (typeof code === 'string') Object.defineProperty(copy, 'code', { value: code, enumerable: true });
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}
