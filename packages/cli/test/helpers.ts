import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Receiver, type ReceiverOptions, startReceiver } from '@growth-channel/testing';
import type { TestContext } from 'vitest';

/** The built bin, run as a user would run it (the turbo `test` task builds it first). */
export const BIN = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A key distinctive enough that finding it in any output means it leaked. */
export const API_KEY = 'gc_cli_test_key_SECRET_5f2a9c';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The caller's environment without any GROWTH_CHANNEL_* variable, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('GROWTH_CHANNEL_')) env[name] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Runs `node dist/cli.js ...args` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A long-running bin (`listen`), with its output collected as it comes. */
export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the collected output of `stream` matches `pattern`; rejects on exit or timeout. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export function startCli(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: 'pipe' });
  const out = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out.stdout += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    out.stderr += chunk;
    notify();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
    notify();
  });
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    waitFor(stream, pattern, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out[stream]);
          if (match) finish(() => resolve(match));
          else if (done)
            finish(() =>
              reject(new Error(`exited before ${pattern} on ${stream}: ${out[stream]}${out.stderr}`)),
            );
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(new Error(`no ${pattern} on ${stream} after ${timeoutMs} ms: ${out[stream]}`)),
            ),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** A port nothing listens on: bound, read back, released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A receiver of the test's own (tests run concurrently), expecting {@link API_KEY}; closed after the test. */
export async function receiverFor(context: TestContext, options: ReceiverOptions = {}): Promise<Receiver> {
  const receiver = await startReceiver({ apiKey: API_KEY, ...options });
  context.onTestFinished(() => receiver.close());
  return receiver;
}
