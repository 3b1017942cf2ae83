import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '@growth-channel/testing';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = existsSync(`${root}dist/index.js`) && existsSync(`${root}dist/index.cjs`);

function node(args: string[], input?: string): string {
  return execFileSync(process.execPath, args, { cwd: root, input, encoding: 'utf8', timeout: 10_000 });
}

function nodeAsync(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      args,
      { cwd: root, encoding: 'utf8', timeout: 10_000 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
    child.stdin?.end(input);
  });
}

// These run the built files the way users load them (turbo builds before testing).
describe.runIf(built)('the built package', () => {
  it('loads from ESM and CommonJS with the same exports', () => {
    const esm = node([
      '--input-type=module',
      '-e',
      "import * as m from '@growth-channel/core'; console.log(Object.keys(m).sort().join(','))",
    ]);
    const cjs = node(['-e', "console.log(Object.keys(require('@growth-channel/core')).sort().join(','))"]);
    expect(esm).toBe(cjs);
    expect(esm).toContain('createClient');
    expect(esm).toContain('extractRefId');
  });

  it('keeps no process alive: after sending, the client holds only unref-ed sockets and timers', async () => {
    const receiver = await startReceiver();
    try {
      // The receiver lives in this process, so its keep-alive sockets stay open while the child runs.
      const script = `
        import { createClient } from '@growth-channel/core';
        const client = createClient({ apiKey: 'k', baseUrl: ${JSON.stringify(receiver.url)}, maxRetries: 1 });
        await client.send({ ref_id: 'r' });
        client.track({ ref_id: 'r2' });
        await client.flush();
        // No client.close(): nothing of the client may keep the event loop alive.
        // undici unrefs an idle socket on the next turn, so look once this timer has fired.
        setTimeout(() => setImmediate(() => {
          const held = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap');
          console.log(client.stats.delivered, JSON.stringify(held));
        }), 50);
      `;
      const output = await nodeAsync(['--input-type=module', '-'], script);
      expect(output.trim()).toBe('2 []');
      expect(receiver.postbacks).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it('stays alive while a caller awaits send() or close() through a retry wait', async () => {
    const receiver = await startReceiver();
    try {
      receiver.inject({ status: 503 });
      receiver.inject({ status: 503 });
      const script = `
        import { createClient } from '@growth-channel/core';
        const options = { apiKey: 'k', baseUrl: ${JSON.stringify(receiver.url)}, backoffBaseMs: 200, backoffMaxMs: 200 };
        // Nothing else holds this process: only the client's own timers can carry it through the retry.
        const sent = await createClient(options).send({ ref_id: 'sent' });
        const tracker = createClient(options);
        tracker.track({ ref_id: 'tracked' });
        const closed = await tracker.close();
        console.log(sent.status, closed.delivered);
      `;
      // Math.random is not stubbed, so each backoff is 0-200 ms; both postbacks meet one 503.
      expect((await nodeAsync(['--input-type=module', '-'], script)).trim()).toBe('ok 1');
      expect(receiver.postbacks.map((p) => p.ref_id)).toEqual(['sent', 'tracked']);
    } finally {
      await receiver.close();
    }
  });

  it('installs no process-wide handlers', () => {
    const script = `
      const before = ['exit', 'SIGTERM', 'SIGINT', 'beforeExit', 'uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
      const { createClient } = require('@growth-channel/core');
      const client = createClient({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9', onError: () => {} });
      client.track({ ref_id: 'r' });
      const after = ['exit', 'SIGTERM', 'SIGINT', 'beforeExit', 'uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
      console.log(JSON.stringify(before) === JSON.stringify(after));
      client.close(10);
    `;
    expect(node(['-e', script]).trim()).toBe('true');
  });
});
