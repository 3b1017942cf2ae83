import type { ReceivedPostback, ReceivedRequest } from './types.js';

type Kind = 'postbacks' | 'requests';

interface Entry<T> {
  seq: number;
  value: T;
}

interface Waiter {
  kind: Kind;
  count: number;
  resolve: () => void;
  fail: (reason: string) => void;
  timer: NodeJS.Timeout;
}

/**
 * Inserts keeping arrival order: requests finish out of order (a delayed one answers after a later
 * one), yet `requests` promises arrival order.
 */
function insertBySeq<T>(list: Entry<T>[], entry: Entry<T>): void {
  let index = list.length;
  while (index > 0 && (list[index - 1]?.seq ?? 0) > entry.seq) index -= 1;
  list.splice(index, 0, entry);
}

/** What the receiver recorded, and the tests waiting for it. */
export class RecordStore {
  #requests: Entry<ReceivedRequest>[] = [];
  #postbacks: Entry<ReceivedPostback>[] = [];
  #waiters = new Set<Waiter>();
  #closed = false;

  /** Copy of the answered requests, in arrival order. */
  get requests(): ReceivedRequest[] {
    return this.#requests.map((entry) => entry.value);
  }

  /** Copy of the accepted postbacks, in arrival order. */
  get postbacks(): ReceivedPostback[] {
    return this.#postbacks.map((entry) => entry.value);
  }

  /** Records an answered request (and its postback when accepted), then wakes the waiters it satisfies. */
  add(seq: number, request: ReceivedRequest, postback?: ReceivedPostback): void {
    insertBySeq(this.#requests, { seq, value: request });
    if (postback !== undefined) insertBySeq(this.#postbacks, { seq, value: postback });
    for (const waiter of this.#waiters) {
      if (this.#count(waiter.kind) >= waiter.count) this.#settle(waiter).resolve();
    }
  }

  /** Forgets every record; waiters keep waiting, now counting from zero. */
  clear(): void {
    this.#requests = [];
    this.#postbacks = [];
  }

  /** Resolves once at least `count` records of a kind exist; rejects after `timeoutMs` saying how many did. */
  waitFor(kind: Kind, count: number, timeoutMs: number): Promise<void> {
    const method = kind === 'postbacks' ? 'waitForPostbacks' : 'waitForRequests';
    if (!Number.isInteger(count) || count < 0) {
      return Promise.reject(
        new RangeError(`${method}: count must be a non-negative integer, got ${String(count)}`),
      );
    }
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || timeoutMs === Number.POSITIVE_INFINITY) {
      return Promise.reject(
        new RangeError(`${method}: timeoutMs must be a non-negative finite number, got ${String(timeoutMs)}`),
      );
    }
    if (this.#count(kind) >= count) return Promise.resolve();
    const failure = (reason: string) => new Error(`${method}: ${this.#shortfall(kind, count, reason)}`);
    if (this.#closed) return Promise.reject(failure('before the receiver was closed'));

    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        kind,
        count,
        resolve,
        fail: (reason) => reject(failure(reason)),
        timer: setTimeout(() => this.#settle(waiter).fail(`within ${timeoutMs} ms`), timeoutMs),
      };
      // Never the reason a test process stays up; an open receiver keeps it alive anyway.
      waiter.timer.unref();
      this.#waiters.add(waiter);
    });
  }

  /** Rejects every pending waiter, so nothing awaits a receiver that is gone. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters) this.#settle(waiter).fail('before the receiver was closed');
  }

  #count(kind: Kind): number {
    return kind === 'postbacks' ? this.#postbacks.length : this.#requests.length;
  }

  #settle(waiter: Waiter): Waiter {
    clearTimeout(waiter.timer);
    this.#waiters.delete(waiter);
    return waiter;
  }

  /** Says how many arrived and how the requests were answered, the first thing one asks when a wait fails. */
  #shortfall(kind: Kind, count: number, reason: string): string {
    const arrived = this.#count(kind);
    const statuses = this.#requests.map((entry) => entry.value.status);
    const shown = statuses.length > 20 ? `${statuses.slice(0, 20).join(', ')}, ...` : statuses.join(', ');
    const answered = statuses.length === 0 ? 'no request received' : `requests answered: ${shown}`;
    return `expected ${count} ${kind} ${reason} but ${arrived} arrived (${answered})`;
  }
}
