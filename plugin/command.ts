// What a command of the command line is: its yargs definition and a run function that writes
// to the given streams and returns the exit code. Commands never call process.exit and never
// read process.env or process.stdout themselves, so that tests run them in-process.
import type { Argv } from 'yargs';

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream;
  env: Readonly<Record<string, string | undefined>>;
}

/** Options every command has. */
export interface GlobalArgs {
  /** Whether to color the output: off with --no-color, NO_COLOR or output that is not a terminal. */
  color: boolean;
}

export interface CommandSpec<A> {
  /** yargs command string, e.g. `lint`. */
  command: string;
  describe: string;
  builder(y: Argv<GlobalArgs>): Argv<A>;
  run(args: A & GlobalArgs, io: Io): Promise<number>;
}

// How users type it: kubectl finds the kubectl-promotion executable and runs it as a plugin.
export const SCRIPT_NAME = 'kubectl promotion';

/** Color by default only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function defaultColor(io: Io): boolean {
  return !io.env.NO_COLOR && io.stdout.isTTY === true;
}

/**
 * yargs takes a lone `-` for a positional argument, never for an option's value; `-f -` (read
 * standard input) is written `-f=-` for it.
 */
export function joinStdinValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    const prev = out[out.length - 1];
    if (a === '-' && prev !== undefined && /^--?[A-Za-z][\w-]*$/.test(prev)) out[out.length - 1] = `${prev}=-`;
    else out.push(a);
  }
  return out;
}

/** Declares a command (the identity, for type inference of its arguments). */
export function defineCommand<A>(spec: CommandSpec<A>): CommandSpec<A> {
  return spec;
}

// The standalone executable's launcher (build/release/launcher.ts) and the command line it hands
// over to are bundled apart and both call processIo() in one process: the mark is shared through
// the global symbol registry, so the streams are guarded once.
const EPIPE_GUARDED = Symbol.for('kubectl-promotion.epipe-guarded');

/** The process's own streams and environment. */
export function processIo(): Io {
  // `kubectl promotion lint ... | head -1`: when the reader goes away, stop quietly instead of
  // dying on an unhandled 'error' event with a stack trace.
  for (const stream of [process.stdout, process.stderr] as (NodeJS.WriteStream & { [EPIPE_GUARDED]?: true })[]) {
    if (stream[EPIPE_GUARDED]) continue;
    stream[EPIPE_GUARDED] = true;
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // Opening standard input costs some 3 ms of every start, `version` included; only the
    // commands that read it (`-f -`) should pay for it.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
  };
}
