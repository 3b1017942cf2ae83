import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface Child<M> {
  process: ChildProcess;
  ready: M;
  /** Sends a message and waits for the child's next answer. */
  ask<A>(message: unknown): Promise<A>;
  stop(): Promise<void>;
}

/** Forks `children/<name>.js` and waits for its first IPC message (its address, usually). */
export async function startChild<M>(
  name: string,
  args: string[] = [],
  execArgv: string[] = [],
): Promise<Child<M>> {
  const path = fileURLToPath(new URL(`./children/${name}.js`, import.meta.url));
  const child = fork(path, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
