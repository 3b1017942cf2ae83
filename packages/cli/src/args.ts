import { parseArgs } from 'node:util';

/** Exit codes, as documented in `--help` and the README. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** An expected failure: one line for stderr and the exit code that goes with it. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Bad usage or input (exit 2); `command` adds the pointer to that command's help. */
export function usageError(message: string, command?: string): CliError {
  const hint = command === undefined ? 'growth-channel --help' : `growth-channel ${command} --help`;
  return new CliError(`${message} (see ${hint})`, EXIT_USAGE);
}

/** Bad input whose message already says what to fix, so no help pointer is added (exit 2). */
export function inputError(message: string): CliError {
  return new CliError(message, EXIT_USAGE);
}

/** One option of a command, as `node:util` `parseArgs` takes it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedCommand {
  values: OptionValues;
  positionals: string[];
  help: boolean;
}

/**
 * Parses a command's arguments strictly and turns every parse error into one line that names the option
 * (never its value: a mistyped flag may carry a secret).
 */
export function parseCommand(
  command: string,
  argv: readonly string[],
  options: Record<string, OptionSpec>,
  maxPositionals = 0,
): ParsedCommand {
  if (wantsHelp(argv)) return { values: {}, positionals: [], help: true };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    throw translateParseError(error, command, Object.keys(options));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || options[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw usageError(`--${token.name} was given more than once`, command);
    seen.add(token.name);
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals[maxPositionals] ?? '';
    const what =
      maxPositionals === 0 ? `${command} takes no arguments` : `${command} takes ${maxPositionals} argument`;
    throw usageError(`unexpected argument "${preview(extra)}": ${what}`, command);
  }
  return { values: parsed.values as OptionValues, positionals: parsed.positionals, help: false };
}

/** `--help` / `-h` anywhere before `--` wins over every other problem with the arguments. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

function translateParseError(error: unknown, command: string, known: string[]): CliError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[^'\s=<]+)/.exec(message)?.[1] ?? 'an option';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const suggestion = flag.startsWith('--') ? closest(flag.slice(2), known) : undefined;
    const hint = suggestion === undefined ? '' : `; did you mean --${suggestion}?`;
    return usageError(`unknown option ${flag} for ${command}${hint}`, command);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('does not take an argument')) {
      return usageError(`${flag} is a switch and takes no value`, command);
    }
    if (message.includes('ambiguous')) {
      return usageError(
        `${flag} needs a value; for a value that starts with "-", write it as ${flag}=VALUE`,
        command,
      );
    }
    return usageError(`${flag} needs a value`, command);
  }
  return usageError(message.split('\n')[0] ?? message, command);
}

/** The candidate within edit distance 2 of `word`, if any: a typo hint, never a correction. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Reads a string option (undefined when absent). */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Reads a repeatable string option (empty when absent). */
export function listOption(values: OptionValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : [];
}

/** Reads a switch. */
export function flagOption(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** Parses a finite number given to `--name`, or explains what was wrong with it. */
export function parseNumber(name: string, raw: string, command: string): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) {
    throw usageError(`--${name} must be a number, got "${preview(raw)}"`, command);
  }
  return value;
}

/** Parses an integer in `[min, max]` given to `--name`. */
export function parseInteger(name: string, raw: string, min: number, max: number, command: string): number {
  const value = parseNumber(name, raw, command);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw usageError(
      `--${name} must be a whole number from ${min} to ${max}, got "${preview(raw)}"`,
      command,
    );
  }
  return value;
}

/** Shortens a user-given value for an error line. */
export function preview(value: string, max = 60): string {
  const oneLine = value.replace(/[\r\n\t]/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}
