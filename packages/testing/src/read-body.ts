import type { IncomingMessage } from 'node:http';
import { MAX_BODY_BYTES } from './constants.js';

/** A request body as read: the bytes, or `tooLarge` when it went over the limit (bytes then dropped). */
export interface ReadBody {
  raw: Buffer;
  tooLarge: boolean;
}

/**
 * Reads the whole body. Past the limit the rest is drained, not buffered: answering before the client
 * finished writing would make it see a broken pipe instead of the 413, and would spoil keep-alive.
 * Rejects when the client goes away before the end.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.once('end', () => resolve({ raw: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('request aborted by the client'));
    });
  });
}
