import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe.concurrent('growth-channel extract', () => {
  it('prints the ref_id capture would store, decoded, and nothing else', async () => {
    const result = await runCli([
      'extract',
      'https://shop.example/landing?utm_source=x&ref_id=abc%2D123#top',
    ]);
    expect(result).toEqual({ code: 0, stdout: 'abc-123\n', stderr: '' });
  });

  it('reads the parameters given with --param, in order, from a path-only URL', async () => {
    const result = await runCli([
      'extract',
      '/landing?gc_ref=from-gc&ref=x',
      '--param',
      'ref_id',
      '--param',
      'gc_ref',
    ]);
    expect(result).toEqual({ code: 0, stdout: 'from-gc\n', stderr: '' });
  });

  it('exits 1 saying the URL has no query string', async () => {
    const result = await runCli(['extract', 'https://shop.example/landing']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'growth-channel: no ref_id: the URL has no query string (no "?"), so there is nothing to capture\n',
    );
  });

  it('exits 1 saying the parameter is absent, listing what is there and hinting at --param', async () => {
    const result = await runCli(['extract', 'https://shop.example/?utm_source=ads&refid=abc']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'growth-channel: no ref_id: the parameter "ref_id" is absent from the query (it has: utm_source, refid); to read "refid", pass --param refid\n',
    );
  });

  it('exits 1 naming the validation rule a present value breaks', async () => {
    const space = await runCli(['extract', 'https://shop.example/?ref_id=abc+def']);
    expect(space.code).toBe(1);
    expect(space.stderr).toBe(
      'growth-channel: no ref_id: "ref_id" is present but refused by the validation rule: its value "abc def" contains a space at position 4 (a "+" in a query means a space; write %2B for a plus); the rule allows 1 to 256 of letters, digits and - _ . ~ : + / =\n',
    );
    const long = await runCli(['extract', `https://shop.example/?ref_id=${'a'.repeat(300)}`]);
    expect(long.stderr).toContain('its value is 300 characters once decoded; the rule allows 1 to 256');
    const badEscape = await runCli(['extract', 'https://shop.example/?ref_id=%zz']);
    expect(badEscape.stderr).toContain('malformed percent-escape');
    const empty = await runCli(['extract', 'https://shop.example/?ref_id=']);
    expect(empty.stderr).toContain(
      '"ref_id" is present but refused by the validation rule: its value is empty',
    );
  });

  it('exits 2 without a URL or with two', async () => {
    const none = await runCli(['extract']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^growth-channel: extract needs a URL/);
    const two = await runCli(['extract', '/a?ref_id=x', '/b?ref_id=y']);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(
      /^growth-channel: unexpected argument "\/b\?ref_id=y": extract takes 1 argument/,
    );
  });
});
