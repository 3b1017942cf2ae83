import { z } from 'zod';
import { GrowthChannelValidationError } from './errors.js';

/** Largest `conversion_data` accepted, measured as UTF-8 JSON (the industry norm for postback metadata). */
export const MAX_CONVERSION_DATA_BYTES = 32 * 1024;

/** Deepest nesting accepted in `conversion_data`; deeper structures are refused, not truncated. */
export const MAX_CONVERSION_DATA_DEPTH = 32;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A JSON object: what `conversion_data` holds once validated. */
export type ConversionData = { [key: string]: unknown };

const conversionDataSchema = z.custom<object>().superRefine((value, ctx) => {
  for (const issue of checkConversionData(value)) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
  }
});

/**
 * The postback body exactly as the API documents it. Unknown fields are refused, so a typo
 * (`revenu`) is an error instead of silently lost data.
 */
export const postbackSchema = z.strictObject({
  ref_id: z
    .string({ error: 'expected a string (the tracking id captured from the landing URL)' })
    .min(1, { error: 'must not be empty' }),
  tracker_id: z.string({ error: 'expected a string' }).optional(),
  event_name: z.string({ error: 'expected a string' }).optional(),
  revenue: z.number({ error: 'expected a finite number' }).optional(),
  conversion_data: conversionDataSchema.optional(),
});

/** What callers pass: `conversion_data` may be any plain object (interfaces included, no cast needed). */
export type PostbackInput = z.input<typeof postbackSchema>;

/** A validated postback, ready to be sent. */
export type Postback = Omit<z.output<typeof postbackSchema>, 'conversion_data'> & {
  conversion_data?: ConversionData;
};

/** Optional fields of a conversion, as framework helpers take them (`ref_id` and `event_name` come apart). */
export type ConversionFields = Omit<PostbackInput, 'ref_id' | 'event_name'>;

/** The endpoint's success answer. */
export interface PostbackResponse {
  status: 'ok';
  [key: string]: unknown;
}

/**
 * Validates a postback body and returns it, or throws {@link GrowthChannelValidationError} listing
 * every problem as `field: message`.
 */
export function parsePostback(input: unknown): Postback {
  let result: ReturnType<typeof postbackSchema.safeParse>;
  try {
    result = postbackSchema.safeParse(input);
  } catch (cause) {
    throw new GrowthChannelValidationError('Invalid postback: it could not be read.', [], { cause });
  }
  if (result.success) return result.data as Postback;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.map((k) => `\`${k}\``).join(', ')}; allowed: ref_id, tracker_id, event_name, revenue, conversion_data`
        : issue.message;
    return path ? `${path}: ${message}` : message;
  });
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new GrowthChannelValidationError('Invalid postback: expected an object with at least `ref_id`.', [
      'expected an object',
    ]);
  }
  throw new GrowthChannelValidationError(`Invalid postback: ${issues.join('; ')}`, issues);
}

interface DataIssue {
  path: (string | number)[];
  message: string;
}

// Walks the value once: shape, forbidden keys, cycles and depth; then measures the JSON size.
function checkConversionData(value: unknown): DataIssue[] {
  if (!isPlainObject(value)) {
    return [
      { path: [], message: 'expected a plain JSON object (not an array, null, class instance or function)' },
    ];
  }
  const issues: DataIssue[] = [];
  const ancestors = new Set<object>();
  const walk = (node: unknown, path: (string | number)[], depth: number): void => {
    if (issues.length >= 10) return;
    switch (typeof node) {
      case 'string':
      case 'boolean':
      case 'undefined':
        return;
      case 'number':
        if (!Number.isFinite(node)) issues.push({ path, message: 'expected a finite number' });
        return;
      case 'bigint':
        issues.push({ path, message: 'BigInt is not JSON; convert it to a string or number' });
        return;
      case 'function':
      case 'symbol':
        issues.push({ path, message: `a ${typeof node} is not JSON` });
        return;
    }
    if (node === null || node instanceof Date) return;
    const object = node as object;
    if (depth > MAX_CONVERSION_DATA_DEPTH) {
      issues.push({ path, message: `nested deeper than ${MAX_CONVERSION_DATA_DEPTH} levels` });
      return;
    }
    if (ancestors.has(object)) {
      issues.push({ path, message: 'circular reference' });
      return;
    }
    ancestors.add(object);
    if (Array.isArray(object)) {
      for (let index = 0; index < object.length; index++) walk(object[index], [...path, index], depth + 1);
    } else if (isPlainObject(object)) {
      for (const key of Object.keys(object)) {
        if (FORBIDDEN_KEYS.has(key)) {
          issues.push({ path: [...path, key], message: `the key \`${key}\` is not allowed` });
          continue;
        }
        walk((object as Record<string, unknown>)[key], [...path, key], depth + 1);
      }
    } else {
      issues.push({
        path,
        message: `a ${object.constructor?.name ?? 'non-plain'} instance is not a plain JSON value`,
      });
    }
    ancestors.delete(object);
  };
  walk(value, [], 0);
  if (issues.length > 0) return issues;
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > MAX_CONVERSION_DATA_BYTES) {
    return [{ path: [], message: `is ${bytes} bytes as JSON; the limit is ${MAX_CONVERSION_DATA_BYTES}` }];
  }
  return [];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
