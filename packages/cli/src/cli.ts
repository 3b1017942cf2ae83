import { createRequire } from 'node:module';
import { closest, EXIT_FAILED, EXIT_OK, EXIT_USAGE, wantsHelp } from './args.js';
import { run as doctor } from './commands/doctor.js';
import { run as extract } from './commands/extract.js';
import { run as listen } from './commands/listen.js';
import { run as send } from './commands/send.js';
import { COMMAND_HELP, COMMANDS, type CommandName, MAIN_HELP } from './help.js';
import { guardedWriter, type Io, PROGRAM, printError, println } from './output.js';

type Command = (argv: readonly string[], io: Io) => Promise<number>;

const RUN: Record<CommandName, Command> = { send, listen, extract, doctor };

// Read at run time, so the printed version is the installed package's, whatever bundling did.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Dispatches `argv` (without `node` and the script) to a command and resolves with the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(MAIN_HELP);
    return EXIT_USAGE;
  }
  if (first === '--version' || first === '-v') {
    println(io.stdout, version);
    return EXIT_OK;
  }
  if (first === '--help' || first === '-h') {
    io.stdout.write(MAIN_HELP);
    return EXIT_OK;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      io.stdout.write(MAIN_HELP);
      return EXIT_OK;
    }
    if (isCommand(topic)) {
      io.stdout.write(COMMAND_HELP[topic]);
      return EXIT_OK;
    }
    return unknownCommand(topic, io);
  }
  if (first.startsWith('-')) {
    // A help flag further on (`growth-channel --json --help`) still only asks for help.
    if (wantsHelp(rest)) {
      io.stdout.write(MAIN_HELP);
      return EXIT_OK;
    }
    const name = first.split('=')[0];
    printError(io, `unknown option ${name}; options go after the command (see growth-channel --help)`);
    return EXIT_USAGE;
  }
  if (!isCommand(first)) return unknownCommand(first, io);
  return RUN[first](rest, io);
}

function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

function unknownCommand(name: string, io: Io): number {
  const near = closest(name, COMMANDS);
  const hint = near === undefined ? '' : ` Did you mean "${near}"?`;
  printError(
    io,
    `unknown command "${name}"; the commands are ${COMMANDS.join(', ')}.${hint} (see growth-channel --help)`,
  );
  return EXIT_USAGE;
}

async function start(): Promise<void> {
  const controller = new AbortController();
  const argv = process.argv.slice(2);
  if (argv[0] === 'listen') {
    // The first signal stops the receiver cleanly; a second one means "now".
    const stop = () => {
      if (controller.signal.aborted) process.exit(130);
      controller.abort();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  let code: number | undefined;
  let outputLost = false;
  const settle = () => {
    // Lost output is a failure, unless the reader closed the pipe on purpose (EPIPE, as `| head` does).
    if (code !== undefined) process.exitCode = outputLost ? Math.max(code, EXIT_FAILED) : code;
  };
  const stderr = guardedWriter(process.stderr, (error) => {
    if (error.code !== 'EPIPE') outputLost = true;
    settle();
  });
  const stdout = guardedWriter(process.stdout, (error) => {
    // Nobody reads what `listen` would print any more, so it stops as on Ctrl+C (exit 0 on EPIPE).
    controller.abort();
    if (error.code === 'EPIPE') return;
    outputLost = true;
    println(stderr, `${PROGRAM}: cannot write to stdout (${error.code ?? error.message})`);
    settle();
  });
  const io: Io = { stdout, stderr, env: process.env, signal: controller.signal };
  try {
    code = await main(argv, io);
  } catch (error) {
    printError(io, `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    code = EXIT_FAILED;
  }
  settle();
}

await start();
