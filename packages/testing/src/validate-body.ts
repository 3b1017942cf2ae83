import type { ReceivedPostback } from './types.js';

/** Outcome of checking a request body: the postback, or the 400 message naming what is wrong. */
export type BodyCheck = { ok: true; postback: ReceivedPostback } | { ok: false; message: string };

const FIELDS = ['ref_id', 'tracker_id', 'event_name', 'revenue', 'conversion_data'] as const;
const KNOWN_FIELDS: ReadonlySet<string> = new Set(FIELDS);

// Fatal, so malformed UTF-8 is refused instead of silently turned into U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parses text as JSON, returning undefined when it is not JSON (for the record, which must not throw). */
export function tryParseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Decodes, parses and validates a postback body as strictly as the real endpoint. */
export function checkPostbackBody(raw: Buffer): BodyCheck {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { ok: false, message: 'body is not valid UTF-8' };
  }
  if (text.trim() === '') return { ok: false, message: 'body is empty; expected a JSON object' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `body is not valid JSON: ${(error as Error).message}` };
  }
  return validatePostback(json);
}

/** Checks a parsed body against the documented schema, listing every problem with its field. */
export function validatePostback(json: unknown): BodyCheck {
  if (!isPlainObject(json)) {
    return { ok: false, message: 'body must be a JSON object with at least `ref_id`' };
  }
  const problems: string[] = [];
  const unknown = Object.keys(json).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length > 0) {
    problems.push(
      `unknown field(s) ${unknown.map((key) => `\`${key}\``).join(', ')}; allowed: ${FIELDS.join(', ')}`,
    );
  }
  const { ref_id, tracker_id, event_name, revenue, conversion_data } = json;
  if (typeof ref_id !== 'string' || ref_id === '') {
    problems.push('`ref_id` is required and must be a non-empty string');
  }
  if (tracker_id !== undefined && typeof tracker_id !== 'string') {
    problems.push('`tracker_id` must be a string');
  }
  if (event_name !== undefined && typeof event_name !== 'string') {
    problems.push('`event_name` must be a string');
  }
  // JSON cannot spell Infinity, but 1e999 parses to it.
  if (revenue !== undefined && (typeof revenue !== 'number' || !Number.isFinite(revenue))) {
    problems.push('`revenue` must be a finite number');
  }
  if (conversion_data !== undefined && !isPlainObject(conversion_data)) {
    problems.push('`conversion_data` must be a JSON object');
  }
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  return { ok: true, postback: json as unknown as ReceivedPostback };
}
