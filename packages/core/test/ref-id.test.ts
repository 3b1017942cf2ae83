import { describe, expect, it } from 'vitest';
import {
  createRefIdExtractor,
  extractRefId,
  isValidRefId,
  REF_ID_PATTERN,
  readCookie,
} from '../src/index.js';

describe('extractRefId', () => {
  const cases: [string, Parameters<typeof extractRefId>[0], string | undefined][] = [
    ['absolute URL string', 'https://shop.example/landing?ref_id=abc123', 'abc123'],
    ['path with query', '/landing?utm_source=x&ref_id=abc123&utm_medium=y', 'abc123'],
    ['fragment is not query', '/landing#ref_id=abc123', undefined],
    ['query before fragment', '/landing?ref_id=abc123#ref_id=zzz', 'abc123'],
    ['no query', '/landing', undefined],
    ['empty value', '/landing?ref_id=', undefined],
    ['key without value', '/landing?ref_id', undefined],
    ['percent-encoded value', '/landing?ref_id=a%2Fb%3Dc', 'a/b=c'],
    ['percent-encoded key', '/landing?ref%5Fid=abc', 'abc'],
    ['plus decodes to space, which is refused', '/landing?ref_id=a+b', undefined],
    ['encoded plus is kept', '/landing?ref_id=a%2Bb', 'a+b'],
    ['bad percent-encoding', '/landing?ref_id=%E0%A4%A', undefined],
    ['bad encoding then a good repeat', '/landing?ref_id=%ZZ&ref_id=good', 'good'],
    ['repeated: first valid wins', '/landing?ref_id=first&ref_id=second', 'first'],
    ['tracking-macro characters', '/l?ref_id=AZaz09-_.~:+/=', undefined],
    ['macro characters encoded', `/l?ref_id=${encodeURIComponent('AZaz09-_.~:+/=')}`, 'AZaz09-_.~:+/='],
    ['similar key is not the param', '/l?xref_id=abc&ref_idx=def', undefined],
    ['URL object', new URL('https://shop.example/?ref_id=u1'), 'u1'],
    ['URLSearchParams', new URLSearchParams('ref_id=p1&ref_id=p2'), 'p1'],
    ['parsed query object', { ref_id: 'q1', other: 'x' }, 'q1'],
    ['parsed query with array', { ref_id: ['<bad>', 'q2'] }, 'q2'],
    ['parsed query with nested object', { ref_id: { a: 'b' } }, undefined],
    ['parsed query with number', { ref_id: 42 }, undefined],
    ['request-like { url }', { url: '/landing?ref_id=r1', method: 'GET' }, 'r1'],
    ['null', null, undefined],
    ['undefined', undefined, undefined],
  ];
  it.each(cases)('%s', (_name, source, expected) => {
    expect(extractRefId(source)).toBe(expected);
  });

  it.each([
    ['whitespace', 'abc def'],
    ['tab', 'abc\tdef'],
    ['newline', 'abc\ndef'],
    ['NUL', 'abc\u0000'],
    ['double quote', 'abc"'],
    ['single quote', "abc'"],
    ['angle brackets', '<script>'],
    ['semicolon', 'a;b'],
    ['comma', 'a,b'],
    ['percent sign', 'a%b'],
    ['non-ASCII', 'abcé'],
    ['257 characters', 'a'.repeat(257)],
  ])('refuses a ref_id with %s', (_name, value) => {
    expect(isValidRefId(value)).toBe(false);
    expect(extractRefId({ ref_id: value })).toBeUndefined();
    expect(extractRefId(`/l?ref_id=${encodeURIComponent(value)}`)).toBeUndefined();
  });

  it('accepts exactly 256 characters of the documented alphabet', () => {
    const value = 'Az09-_.~:+/='.repeat(22).slice(0, 256);
    expect(value).toHaveLength(256);
    expect(REF_ID_PATTERN.test(value)).toBe(true);
    expect(extractRefId({ ref_id: value })).toBe(value);
  });

  it('ignores huge values quickly and never throws on hostile objects', () => {
    expect(extractRefId(`/l?ref_id=${'a'.repeat(1_000_000)}`)).toBeUndefined();
    const hostile = new Proxy(
      {},
      {
        has: () => {
          throw new Error('boom');
        },
        getOwnPropertyDescriptor: () => {
          throw new Error('boom');
        },
        get: () => {
          throw new Error('boom');
        },
      },
    );
    expect(extractRefId(hostile)).toBeUndefined();
    expect(extractRefId(Object.create(null))).toBeUndefined();
    expect(extractRefId(42 as never)).toBeUndefined();
  });

  it('finds the parameter after very many pairs without `=`', () => {
    expect(extractRefId(`/l?${'flag&'.repeat(50_000)}ref_id=found`)).toBe('found');
    expect(extractRefId(`/l?${'flag&'.repeat(50_000)}`)).toBeUndefined();
    expect(readCookie(`${'junk; '.repeat(50_000)}gc=found`, 'gc')).toBe('found');
    expect(readCookie('a=1; b; gc=2', 'gc')).toBe('2');
    expect(readCookie('a=1; b', 'gc')).toBeUndefined();
  });

  it('looks for several parameter names in order of preference', () => {
    const extract = createRefIdExtractor({ param: ['gc_ref', 'ref_id'] });
    expect(extract('/l?ref_id=second&gc_ref=first')).toBe('first');
    expect(extract('/l?ref_id=only')).toBe('only');
    expect(extractRefId('/l?click=abc', { param: 'click' })).toBe('abc');
  });

  it('uses a custom validator, and a throwing validator means invalid', () => {
    const hex = (value: string) => /^[0-9a-f]{8}$/.test(value);
    expect(extractRefId('/l?ref_id=deadbeef', { validate: hex })).toBe('deadbeef');
    expect(extractRefId('/l?ref_id=abc', { validate: hex })).toBeUndefined();
    expect(
      extractRefId('/l?ref_id=abc', {
        validate: () => {
          throw new Error('nope');
        },
      }),
    ).toBeUndefined();
    // A custom validator can allow what the default refuses; values stay decoded.
    expect(extractRefId('/l?ref_id=a+b', { validate: () => true })).toBe('a b');
  });

  it('rejects bad options with errors naming the option', () => {
    expect(() => createRefIdExtractor({ param: [] })).toThrow(/`param`/);
    expect(() => createRefIdExtractor({ param: '' })).toThrow(/`param`/);
    expect(() => createRefIdExtractor({ validate: 'x' as never })).toThrow(/`validate`/);
  });
});
