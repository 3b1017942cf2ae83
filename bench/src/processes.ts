import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface Child<M> {
  process: ChildProcess;
  ready: M;
  /** Sends a message and waits for the child's next answer. */
  ask<A>(message: unknown): Promise<A>;
  stop(): Promise<void>;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The CPU the server under test gets to itself, when `taskset` exists and there are two or more. */
export const SERVER_CPU = cpus().length >= 2 && hasTaskset() ? cpus().length - 1 : undefined;

/**
 * Pins this process (the load generator) away from the server's CPU, so the two do not trade places
 * mid-run: on a small machine that migration is the largest source of noise.
 */
export function pinLoadGenerator(): void {
  if (SERVER_CPU === undefined) return;
  execFileSync('taskset', ['-a', '-cp', `0-${SERVER_CPU - 1}`, String(process.pid)], { stdio: 'ignore' });
}

/** Lets a process (and its threads) run on every CPU again, for the measurements after the HTTP runs. */
export function unpin(pid: number): void {
  if (SERVER_CPU === undefined) return;
  execFileSync('taskset', ['-a', '-cp', `0-${SERVER_CPU}`, String(pid)], { stdio: 'ignore' });
}

/**
 * Forks `children/<name>.js` and waits for its first IPC message (its address, usually).
 * A `pinned` child runs on {@link SERVER_CPU} alone.
 */
export async function startChild<M>(
  name: string,
  args: string[] = [],
  execArgv: string[] = [],
  pinned = false,
): Promise<Child<M>> {
  const path = fileURLToPath(new URL(`./children/${name}.js`, import.meta.url));
  const pin = pinned && SERVER_CPU !== undefined;
  const child = fork(path, args, {
    // fork() runs `execPath ...execArgv path ...args`: taskset then starts node on the one CPU.
    execPath: pin ? 'taskset' : process.execPath,
    execArgv: pin ? ['-c', String(SERVER_CPU), process.execPath, ...execArgv] : execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`bench child ${name} exited early with code ${code}`);
    }),
  ])) as [M];
  return {
    process: child,
    ready,
    async ask<A>(message: unknown): Promise<A> {
      child.send(message as never);
      const [answer] = (await once(child, 'message')) as [A];
      return answer;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
