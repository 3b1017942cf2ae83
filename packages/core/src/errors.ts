/** Stable error codes: match on `error.code`, never on the message. */
export type GrowthChannelErrorCode =
  | 'GC_ERR_VALIDATION'
  | 'GC_ERR_CONFIG'
  | 'GC_ERR_HTTP'
  | 'GC_ERR_REJECTED'
  | 'GC_ERR_TIMEOUT'
  | 'GC_ERR_NETWORK'
  | 'GC_ERR_CLOSED'
  | 'GC_ERR_QUEUE_FULL'
  | 'GC_ERR_CAPTURE'
  | 'GC_ERR_NO_REF_ID';

/** Details shared by every error: what the delivery looked like when it failed. */
export interface GrowthChannelErrorDetails {
  /** The underlying error, when there is one (a socket error, a zod issue list...). */
  cause?: unknown;
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  /** Body of the last answer (read up to a size cap), when there was one. */
  body?: string;
  /** How many HTTP attempts were made for this postback. */
  attempts?: number;
  /** The `Idempotency-Key` sent with every attempt of this postback. */
  idempotencyKey?: string;
}

/** Base class of every error the SDK raises or reports to `onError`. */
export class GrowthChannelError extends Error {
  /** Stable machine-readable code, e.g. `GC_ERR_HTTP`. */
  readonly code: GrowthChannelErrorCode;
  readonly status?: number;
  readonly body?: string;
  attempts?: number;
  idempotencyKey?: string;

  constructor(code: GrowthChannelErrorCode, message: string, details: GrowthChannelErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.body !== undefined) this.body = details.body;
    if (details.attempts !== undefined) this.attempts = details.attempts;
    if (details.idempotencyKey !== undefined) this.idempotencyKey = details.idempotencyKey;
  }
}

/** The postback (or a capture option) does not match the documented schema. Fix the input. */
export class GrowthChannelValidationError extends GrowthChannelError {
  /** Each problem as `path: message`, e.g. `revenue: expected a finite number`. */
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[] = [], details: GrowthChannelErrorDetails = {}) {
    super('GC_ERR_VALIDATION', message, details);
    this.issues = issues;
  }
}

/** The SDK is misconfigured (missing API key, bad base URL, bad option). Fix the configuration. */
export class GrowthChannelConfigError extends GrowthChannelError {
  constructor(message: string, details: GrowthChannelErrorDetails = {}) {
    super('GC_ERR_CONFIG', message, details);
  }
}

/** The endpoint answered with a non-2xx status that is not retried, or retries ran out on one. */
export class GrowthChannelHttpError extends GrowthChannelError {
  declare readonly status: number;
  constructor(message: string, details: GrowthChannelErrorDetails & { status: number }) {
    super('GC_ERR_HTTP', message, details);
  }
}

/** The endpoint answered 2xx, but its body did not say `"status": "ok"`: the postback was not accepted. */
export class GrowthChannelRejectedError extends GrowthChannelError {
  declare readonly status: number;
  constructor(message: string, details: GrowthChannelErrorDetails & { status: number }) {
    super('GC_ERR_REJECTED', message, details);
  }
}

/** An attempt took longer than `timeoutMs`, or the postback's `deadlineMs` passed. */
export class GrowthChannelTimeoutError extends GrowthChannelError {
  constructor(message: string, details: GrowthChannelErrorDetails = {}) {
    super('GC_ERR_TIMEOUT', message, details);
  }
}

/** The connection failed (DNS, refused, reset) before an answer arrived. */
export class GrowthChannelNetworkError extends GrowthChannelError {
  constructor(message: string, details: GrowthChannelErrorDetails = {}) {
    super('GC_ERR_NETWORK', message, details);
  }
}

/** The client was closed: the postback was refused, or abandoned when the close deadline passed. */
export class GrowthChannelClosedError extends GrowthChannelError {
  constructor(message: string, details: GrowthChannelErrorDetails = {}) {
    super('GC_ERR_CLOSED', message, details);
  }
}

/** `maxQueueSize` postbacks were already waiting: this one was refused (nothing queued was evicted). */
export class GrowthChannelQueueFullError extends GrowthChannelError {
  constructor(message: string, details: GrowthChannelErrorDetails = {}) {
    super('GC_ERR_QUEUE_FULL', message, details);
  }
}

/** Capturing or reading a stored ref_id failed (a session store threw, a consent callback threw...). */
export class GrowthChannelCaptureError extends GrowthChannelError {
  constructor(message: string, details: GrowthChannelErrorDetails = {}) {
    super('GC_ERR_CAPTURE', message, details);
  }
}

/** True when `value` is an error raised by this SDK (works across duplicated package copies). */
export function isGrowthChannelError(value: unknown): value is GrowthChannelError {
  return (
    value instanceof GrowthChannelError ||
    (value instanceof Error && String((value as Error & { code?: unknown }).code).startsWith('GC_ERR_'))
  );
}

/** A conversion was asked for on a request with no ref_id (or without consent): nothing was sent. */
export class GrowthChannelNoRefIdError extends GrowthChannelError {
  constructor(message: string, details: GrowthChannelErrorDetails = {}) {
    super('GC_ERR_NO_REF_ID', message, details);
  }
}
