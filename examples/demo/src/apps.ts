import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The frameworks the demo can run, each an example app of this repository. */
export const FRAMEWORKS = ['express', 'fastify', 'nestjs'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export interface RunningApp {
  url: string;
  /** Resolves once the app answers `/health`; rejects (after stopping it) when it exits or hangs. */
  ready(): Promise<void>;
  /** What the app printed, for the error message when it fails to start. */
  output(): string;
  /** SIGTERM (the app flushes and closes), then SIGKILL if it has not exited in time; says how it ended. */
  stop(): Promise<string>;
}

const require = createRequire(import.meta.url);

function exampleMain(framework: Framework): string {
  const manifest = require.resolve(`@growth-channel/example-${framework}/package.json`);
  return join(dirname(manifest), 'dist', 'main.js');
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/**
 * Starts the example app as its own process, configured only through the environment, as in
 * production. Returns at once, so a caller interrupted during start-up can still stop it.
 */
export function startApp(framework: Framework, port: number, env: Record<string, string>): RunningApp {
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [exampleMain(framework)], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code === null ? `signal ${signal}` : `exit code ${code}`)),
  );

  const app: RunningApp = {
    url,
    ready: () => waitUntilReady(framework, app, () => child.exitCode),
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };

  return app;
}

async function waitUntilReady(
  framework: Framework,
  app: RunningApp,
  exitCode: () => number | null,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exitCode() !== null) {
      throw new Error(
        `the ${framework} example exited before it was ready (code ${exitCode()}):\n${app.output()}`,
      );
    }
    try {
      const response = await fetch(`${app.url}/health`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await app.stop();
      throw new Error(`the ${framework} example did not answer /health within 20 s:\n${app.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
