import type { Fault } from './types.js';

/** A fault as queued: validated, with the number of requests it still applies to. */
interface QueuedFault {
  fault: Fault;
  remaining: number;
}

/**
 * Checks a fault at `inject` time: callers may be plain JavaScript, and a malformed fault found
 * only when a request arrives would fail far from the line that caused it.
 */
export function validateFault(fault: Fault): void {
  if (fault === null || typeof fault !== 'object') {
    throw new TypeError(
      'inject: the fault must be an object such as {status: 503}, {delayMs: 50} or {reset: true}',
    );
  }
  const kinds = ['status', 'delayMs', 'reset'].filter((key) => key in fault);
  if (kinds.length !== 1) {
    throw new TypeError(
      `inject: the fault must have exactly one of \`status\`, \`delayMs\` or \`reset\`, got ${kinds.length === 0 ? 'none' : kinds.join(', ')}`,
    );
  }
  const { times } = fault;
  if (
    times !== undefined &&
    !(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times >= 1))
  ) {
    throw new RangeError(`inject: \`times\` must be a positive integer or Infinity, got ${String(times)}`);
  }
  if ('status' in fault) {
    const { status, retryAfter, body, headers } = fault;
    // 1xx are not final answers and would leave the client waiting for one.
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`inject: \`status\` must be an integer from 200 to 599, got ${String(status)}`);
    }
    if (retryAfter !== undefined) {
      const valid =
        typeof retryAfter === 'number'
          ? Number.isInteger(retryAfter) && retryAfter >= 0
          : typeof retryAfter === 'string' && retryAfter !== '' && !/[\r\n]/.test(retryAfter);
      if (!valid) {
        throw new TypeError(
          `inject: \`retryAfter\` must be a whole number of seconds (>= 0) or an HTTP date string, got ${String(retryAfter)}`,
        );
      }
    }
    if (
      body !== undefined &&
      typeof body !== 'string' &&
      (body === null || typeof body !== 'object' || Array.isArray(body))
    ) {
      throw new TypeError('inject: `body` must be a string or a plain object');
    }
    if (headers !== undefined) {
      const valid =
        headers !== null &&
        typeof headers === 'object' &&
        Object.entries(headers).every(
          ([name, value]) =>
            /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) && typeof value === 'string' && !/[\r\n]/.test(value),
        );
      if (!valid) throw new TypeError('inject: `headers` must map header names to single-line strings');
    }
  } else if ('delayMs' in fault) {
    const { delayMs } = fault;
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new RangeError(
        `inject: \`delayMs\` must be a non-negative finite number, got ${String(delayMs)}`,
      );
    }
  } else if (fault.reset !== true) {
    throw new TypeError('inject: `reset` must be true');
  }
}

/** The FIFO of injected faults; each is used for `times` requests, then the next one applies. */
export class FaultQueue {
  #queue: QueuedFault[] = [];

  /** Validates a fault and appends it to the queue. */
  push(fault: Fault): void {
    validateFault(fault);
    // Copied so later changes to the caller's object cannot alter a queued fault.
    this.#queue.push({ fault: { ...fault }, remaining: fault.times ?? 1 });
  }

  /** Uses the head fault for one request and returns it, or undefined when none is queued. */
  take(): Fault | undefined {
    const head = this.#queue[0];
    if (head === undefined) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) this.#queue.shift();
    return head.fault;
  }

  /** Drops every pending fault. */
  clear(): void {
    this.#queue = [];
  }
}
