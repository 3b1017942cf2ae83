import type { ServerResponse } from 'node:http';

/** Statuses whose answer must not carry a body, per RFC 9110. */
const BODYLESS = new Set([204, 205, 304]);

/** Answers with a body and its headers; keep-alive is left to Node, so the connection stays open. */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  if (BODYLESS.has(status)) {
    res.writeHead(status, extraHeaders);
    res.end();
    return;
  }
  res.writeHead(status, {
    ...extraHeaders,
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/** Answers a JSON body, the only kind the real API sends. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  extraHeaders?: Record<string, string>,
): void {
  send(res, status, JSON.stringify(body), 'application/json', extraHeaders);
}

/** Answers the API's error shape. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  extraHeaders?: Record<string, string>,
): void {
  sendJson(res, status, { status: 'error', message }, extraHeaders);
}
