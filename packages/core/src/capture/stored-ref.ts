/** A captured ref_id and when it was captured: what the session or the cookie holds. */
export interface StoredRefId {
  refId: string;
  /** Capture time, ms since the epoch. */
  capturedAt: number;
}

const VERSION = 'v1';

/** `v1.<capturedAt base36>.<refId>`: the ref_id last, so it may contain dots. */
export function encodeStoredRefId(stored: StoredRefId): string {
  return `${VERSION}.${stored.capturedAt.toString(36)}.${stored.refId}`;
}

export function decodeStoredRefId(text: string): StoredRefId | undefined {
  if (!text.startsWith(`${VERSION}.`)) return undefined;
  const dot = text.indexOf('.', VERSION.length + 1);
  if (dot === -1) return undefined;
  const capturedAt = Number.parseInt(text.slice(VERSION.length + 1, dot), 36);
  const refId = text.slice(dot + 1);
  if (!Number.isSafeInteger(capturedAt) || capturedAt <= 0 || refId.length === 0) return undefined;
  return { refId, capturedAt };
}

/** Reads a session entry written by {@link sessionValue}; anything else is `undefined`. */
export function fromSessionValue(value: unknown): StoredRefId | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { refId, capturedAt } = value as Partial<StoredRefId>;
  if (typeof refId !== 'string' || typeof capturedAt !== 'number' || !Number.isFinite(capturedAt))
    return undefined;
  return { refId, capturedAt };
}

/** A fresh plain object, safe for JSON-serialising session stores. */
export function sessionValue(stored: StoredRefId): StoredRefId {
  return { refId: stored.refId, capturedAt: stored.capturedAt };
}
