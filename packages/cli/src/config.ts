import { readFile } from 'node:fs/promises';
import {
  API_KEY_ENV,
  BASE_URL_ENV,
  type ClientOptions,
  createClient,
  DEFAULT_BASE_URL,
  type GrowthChannelClient,
  GrowthChannelConfigError,
} from '@growth-channel/core';
import { inputError } from './args.js';
import { cliWording, type KeySource, withoutCredentials } from './output.js';

/** The API key a command will use, and where it came from; the key itself is never printed. */
export interface ApiKey {
  key: string | undefined;
  source: KeySource | undefined;
}

/**
 * Reads the key from `--api-key-file` (trimmed, so the usual trailing newline does not matter) or
 * from GROWTH_CHANNEL_API_KEY. The file wins when both are set: it was asked for on this command line.
 */
export async function readApiKey(
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ApiKey> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
      throw inputError(
        `cannot read --api-key-file ${file} (${why}); give the path of a file holding the key`,
      );
    }
    const key = text.trim();
    if (key === '') throw inputError(`--api-key-file ${file} is empty; put the API key in it`);
    return { key, source: { kind: 'file', path: file } };
  }
  const fromEnv = env[API_KEY_ENV];
  if (fromEnv === undefined || fromEnv === '') return { key: undefined, source: undefined };
  return { key: fromEnv, source: { kind: 'env' } };
}

/** The line printed when no key was found. */
export const MISSING_KEY_MESSAGE = `no API key: set ${API_KEY_ENV} (e.g. export ${API_KEY_ENV}=...) or pass --api-key-file PATH`;

/** The base URL a command will use, and the setting it came from. */
export interface BaseUrl {
  url: string;
  /** `--base-url` or GROWTH_CHANNEL_BASE_URL; undefined when neither was set and core's default is used. */
  setting: '--base-url' | typeof BASE_URL_ENV | undefined;
}

/** The flag wins over the variable: it was asked for on this command line. */
export function resolveBaseUrl(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): BaseUrl {
  if (flag !== undefined) return { url: flag, setting: '--base-url' };
  const fromEnv = env[BASE_URL_ENV];
  if (fromEnv) return { url: fromEnv, setting: BASE_URL_ENV };
  return { url: DEFAULT_BASE_URL, setting: undefined };
}

/** What a message tells the user to change: the setting the URL came from, or either when it is the default. */
export function baseUrlSetting(baseUrl: BaseUrl): string {
  return baseUrl.setting ?? `--base-url or ${BASE_URL_ENV}`;
}

/** Why a base URL holding a user name or password is refused; the output never shows them. */
export function credentialsProblem(setting: string): string {
  return `${setting} must not carry a user name or password (removed from this output); the API key goes in ${API_KEY_ENV} or --api-key-file.`;
}

/**
 * Creates a core client for `baseUrl`; core validates the options, and its GrowthChannelConfigError
 * becomes a usage error worded with the CLI's flags and the setting the base URL came from.
 */
export function makeClient(
  options: Omit<ClientOptions, 'baseUrl' | 'env'>,
  baseUrl: BaseUrl,
): GrowthChannelClient {
  // Refused before core sees it: core's message could quote part of them (the "protocol" of `user:pw@host`).
  if (withoutCredentials(baseUrl.url).removed) throw inputError(credentialsProblem(baseUrlSetting(baseUrl)));
  try {
    // `env: {}`: the base URL is already resolved, so core cannot pick another one from the variables.
    return createClient({ onError: () => {}, ...options, baseUrl: baseUrl.url, env: {} });
  } catch (error) {
    if (error instanceof GrowthChannelConfigError) {
      throw inputError(cliWording(error.message, baseUrlSetting(baseUrl)));
    }
    throw error;
  }
}
