import {
  DEFAULT_REF_ID_PARAM,
  extractRefId,
  isValidRefId,
  MAX_REF_ID_INPUT_LENGTH,
  REF_ID_PATTERN,
} from '@growth-channel/core';
import {
  closest,
  EXIT_FAILED,
  EXIT_OK,
  listOption,
  type OptionSpec,
  parseCommand,
  preview,
  usageError,
} from '../args.js';
import { COMMAND_HELP } from '../help.js';
import { type Io, printError, println, runCommand } from '../output.js';

const OPTIONS: Record<string, OptionSpec> = {
  param: { type: 'string', multiple: true },
};

const RULE = 'the rule allows 1 to 256 of letters, digits and - _ . ~ : + / =';

/** `growth-channel extract URL`: prints what capture would store, or why nothing. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  return runCommand(io, async () => {
    const { values, positionals, help } = parseCommand('extract', argv, OPTIONS, 1);
    if (help) {
      io.stdout.write(COMMAND_HELP.extract);
      return EXIT_OK;
    }
    const url = positionals[0];
    if (url === undefined) {
      throw usageError(
        "extract needs a URL, e.g. growth-channel extract 'https://shop.example/?ref_id=abc'",
        'extract',
      );
    }
    const params = listOption(values, 'param');
    if (params.some((name) => name === '')) throw usageError('--param needs a non-empty name', 'extract');
    const refId = extractRefId(url, params.length > 0 ? { param: params } : undefined);
    if (refId !== undefined) {
      println(io.stdout, refId);
      return EXIT_OK;
    }
    printError(io, `no ref_id: ${explain(url, params.length > 0 ? params : [DEFAULT_REF_ID_PARAM])}`);
    return EXIT_FAILED;
  });
}

/**
 * Says why core's extractor found nothing. It re-reads the query the way core's scan does (split on `&`,
 * `+` is a space, percent-decoding), since core only answers "a ref_id or undefined".
 */
function explain(url: string, params: readonly string[]): string {
  const start = url.indexOf('?');
  if (start === -1) return 'the URL has no query string (no "?"), so there is nothing to capture';
  const hash = url.indexOf('#', start);
  const query = hash === -1 ? url.slice(start + 1) : url.slice(start + 1, hash);
  if (query === '') return 'the query string is empty';

  const present: string[] = [];
  const found: { param: string; raw: string }[] = [];
  const valueless: string[] = [];
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    if (key === undefined) continue;
    present.push(key);
    if (!params.includes(key)) continue;
    if (eq === -1) valueless.push(key);
    else found.push({ param: key, raw: pair.slice(eq + 1) });
  }

  const names = params.map((param) => `"${param}"`).join(', ');
  if (found.length === 0) {
    if (valueless.length > 0)
      return `the parameter "${valueless[0]}" has no value (write ${valueless[0]}=VALUE)`;
    const others = present.length === 0 ? '' : ` (it has: ${[...new Set(present)].slice(0, 10).join(', ')})`;
    const near = params.length === 1 ? closest(params[0] ?? '', present) : undefined;
    const hint = near === undefined ? '' : `; to read "${near}", pass --param ${near}`;
    const what =
      params.length === 1
        ? `the parameter ${names} is absent from the query`
        : `none of the parameters ${names} is in the query`;
    return `${what}${others}${hint}`;
  }
  const first = found[0] as { param: string; raw: string };
  const prefix =
    found.length === 1
      ? `"${first.param}" is present but refused by the validation rule`
      : `all ${found.length} values of ${names} are refused by the validation rule; the first`;
  return `${prefix}: ${whyRefused(first.raw)}`;
}

function whyRefused(raw: string): string {
  if (raw === '') return 'its value is empty';
  if (raw.length > MAX_REF_ID_INPUT_LENGTH) {
    return `its value is ${raw.length} characters before decoding; values over ${MAX_REF_ID_INPUT_LENGTH} are ignored`;
  }
  const value = decode(raw);
  if (value === undefined) {
    return `its value "${preview(raw)}" has a malformed percent-escape (a "%" must be followed by two hex digits)`;
  }
  if (isValidRefId(value)) return 'it is refused by the validation rule';
  if (value.length > 256) return `its value is ${value.length} characters once decoded; ${RULE}`;
  const chars = [...value];
  const index = chars.findIndex((char) => !REF_ID_PATTERN.test(char));
  const bad = chars[index] ?? '';
  const plusHint =
    bad === ' ' && raw.includes('+') ? ' (a "+" in a query means a space; write %2B for a plus)' : '';
  return `its value "${preview(value)}" contains ${describeChar(bad)} at position ${index + 1}${plusHint}; ${RULE}`;
}

function describeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (char === ' ') return 'a space';
  if (code < 0x20 || code === 0x7f) return `a control character (${hex})`;
  if (code > 0x7e) return `"${char}" (non-ASCII, ${hex})`;
  return `"${char}"`;
}

function decode(raw: string): string | undefined {
  const plus = raw.replaceAll('+', ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return undefined;
  }
}
