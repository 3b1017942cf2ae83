import { describe, expect, it } from 'vitest';
import {
  GrowthChannelValidationError,
  MAX_CONVERSION_DATA_BYTES,
  type PostbackInput,
  parsePostback,
} from '../src/index.js';

function issuesOf(input: unknown): readonly string[] {
  try {
    parsePostback(input);
  } catch (error) {
    expect(error).toBeInstanceOf(GrowthChannelValidationError);
    expect((error as GrowthChannelValidationError).code).toBe('GC_ERR_VALIDATION');
    return (error as GrowthChannelValidationError).issues;
  }
  throw new Error('expected a validation error');
}

describe('postback schema', () => {
  it('accepts the documented example unchanged', () => {
    const body = {
      ref_id: 'abc123xyz',
      event_name: 'user_converted',
      revenue: 123,
      conversion_data: { order_id: 'order_98765', lead_source: 'callrail' },
    };
    expect(parsePostback(body)).toEqual(body);
    expect(parsePostback({ ref_id: 'x', tracker_id: 't1' })).toEqual({ ref_id: 'x', tracker_id: 't1' });
  });

  it('accepts interfaces for conversion_data without a cast', () => {
    interface Order {
      order_id: string;
      total: number;
      created: Date;
      items: { sku: string }[];
    }
    const order: Order = { order_id: 'o1', total: 10, created: new Date(0), items: [{ sku: 's' }] };
    const input: PostbackInput = { ref_id: 'r', conversion_data: order };
    expect(parsePostback(input).conversion_data).toBe(order);
  });

  it.each<[string, unknown, RegExp]>([
    ['missing ref_id', {}, /ref_id/],
    ['empty ref_id', { ref_id: '' }, /ref_id: must not be empty/],
    ['numeric ref_id', { ref_id: 5 }, /ref_id: expected a string/],
    ['numeric event_name', { ref_id: 'r', event_name: 1 }, /event_name: expected a string/],
    ['numeric tracker_id', { ref_id: 'r', tracker_id: 1 }, /tracker_id/],
    ['string revenue', { ref_id: 'r', revenue: '12' }, /revenue: expected a finite number/],
    ['NaN revenue', { ref_id: 'r', revenue: Number.NaN }, /revenue/],
    ['Infinity revenue', { ref_id: 'r', revenue: Number.POSITIVE_INFINITY }, /revenue/],
    ['unknown field (typo)', { ref_id: 'r', revenu: 1 }, /unknown field\(s\) `revenu`/],
    [
      'array conversion_data',
      { ref_id: 'r', conversion_data: [] },
      /conversion_data: expected a plain JSON object/,
    ],
    ['null conversion_data', { ref_id: 'r', conversion_data: null }, /conversion_data/],
    ['class conversion_data', { ref_id: 'r', conversion_data: new Map() }, /conversion_data/],
    [
      'function inside',
      { ref_id: 'r', conversion_data: { f: () => 1 } },
      /conversion_data\.f: a function is not JSON/,
    ],
    ['BigInt inside', { ref_id: 'r', conversion_data: { n: 1n } }, /conversion_data\.n: BigInt/],
    ['symbol inside', { ref_id: 'r', conversion_data: { s: Symbol('x') } }, /conversion_data\.s/],
    [
      'NaN inside',
      { ref_id: 'r', conversion_data: { a: [1, Number.NaN] } },
      /conversion_data\.a\.1: expected a finite number/,
    ],
    ['class instance inside', { ref_id: 'r', conversion_data: { s: new Set() } }, /Set instance/],
    ['__proto__ key', { ref_id: 'r', conversion_data: JSON.parse('{"__proto__":{"x":1}}') }, /__proto__/],
    ['constructor key', { ref_id: 'r', conversion_data: { nested: { constructor: 1 } } }, /constructor/],
    ['prototype key', { ref_id: 'r', conversion_data: { prototype: 1 } }, /prototype/],
  ])('refuses %s', (_name, input, pattern) => {
    expect(issuesOf(input).join('\n')).toMatch(pattern);
  });

  it('refuses cycles and excessive depth', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(issuesOf({ ref_id: 'r', conversion_data: cyclic }).join()).toMatch(/circular reference/);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 40; i++) {
      deep.next = {};
      deep = deep.next as Record<string, unknown>;
    }
    expect(issuesOf({ ref_id: 'r', conversion_data: root }).join()).toMatch(/nested deeper/);
  });

  it('allows shared (non-cyclic) references', () => {
    const shared = { x: 1 };
    expect(() => parsePostback({ ref_id: 'r', conversion_data: { a: shared, b: shared } })).not.toThrow();
  });

  it(`caps conversion_data at ${MAX_CONVERSION_DATA_BYTES} bytes of JSON`, () => {
    const overhead = JSON.stringify({ v: '' }).length;
    const fits = { v: 'x'.repeat(MAX_CONVERSION_DATA_BYTES - overhead) };
    expect(() => parsePostback({ ref_id: 'r', conversion_data: fits })).not.toThrow();
    const tooBig = { v: 'x'.repeat(MAX_CONVERSION_DATA_BYTES - overhead + 1) };
    expect(issuesOf({ ref_id: 'r', conversion_data: tooBig }).join()).toMatch(/the limit is 32768/);
    // Multi-byte characters count as bytes, not characters.
    const wide = { v: 'é'.repeat(MAX_CONVERSION_DATA_BYTES / 2) };
    expect(issuesOf({ ref_id: 'r', conversion_data: wide }).join()).toMatch(/bytes as JSON/);
  });

  it('says what to fix for a non-object body and never throws anything else', () => {
    expect(issuesOf(null)).toEqual(['expected an object']);
    expect(issuesOf('abc')).toEqual(['expected an object']);
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    expect(() => parsePostback(hostile)).toThrow(GrowthChannelValidationError);
  });
});
