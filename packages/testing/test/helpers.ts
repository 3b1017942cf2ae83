import { type Dispatcher, request } from 'undici';

export const API_KEY = 'test-key';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export interface CallOptions {
  method?: Dispatcher.HttpMethod;
  /** Headers merged over the defaults; `undefined` removes one. */
  headers?: Record<string, string | undefined>;
  /** Sent verbatim instead of JSON.stringify(body). */
  raw?: string | Buffer;
  dispatcher?: Dispatcher;
}

/** Sends a request the way a client of the real API would, and reads the whole answer. */
export async function call(url: string, body: unknown, options: CallOptions = {}): Promise<Answer> {
  const merged: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'x-api-key': API_KEY,
    ...options.headers,
  };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(merged)) if (value !== undefined) headers[name] = value;
  const method = options.method ?? 'POST';
  const res = await request(url, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : (options.raw ?? JSON.stringify(body)),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}
