// What a command of the command line is: its option table (plugin/options.ts), its help text, and
// a run function that writes to the given streams and returns the exit code. Commands never call
// process.exit and never read process.env or process.stdout themselves, so that tests run them
// in-process.
import type { GlobalArgs, OptionValues, Options, PositionalSpec, PositionalValues } from './options.ts';

export type { GlobalArgs } from './options.ts';

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

export interface CommandSpec<A> {
  name: string;
  /** One line, for the command list and completion. */
  describe: string;
  /** In order; a required one may not follow an optional one. */
  positionals: readonly PositionalSpec[];
  options: Options;
  /** Talks to a cluster: its --help lists the connection flags. */
  cluster?: boolean;
  /** [command line, what it does]; the line starts with the command's name. */
  examples?: readonly (readonly [string, string])[];
  /** Printed last in --help (exit codes, keys). */
  epilogue?: string;
  run(args: A, io: Io): Promise<number>;
}

/** The arguments a command with these options and positionals is handed. */
export type ArgsOf<O extends Options, P extends readonly PositionalSpec[]> = OptionValues<O> &
  PositionalValues<P> &
  GlobalArgs;

// How users type it: kubectl finds the kubectl-promotion executable and runs it as a plugin.
export const SCRIPT_NAME = 'kubectl promotion';

/** Color by default only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function defaultColor(io: Io): boolean {
  return !io.env.NO_COLOR && io.stdout.isTTY === true;
}

/** Declares a command; its `run` is handed arguments typed after its option table. */
export function defineCommand<
  const O extends Options = Record<never, never>,
  const P extends readonly PositionalSpec[] = readonly [],
>(
  spec: Omit<CommandSpec<ArgsOf<O, P>>, 'options' | 'positionals'> & { options?: O; positionals?: P },
): CommandSpec<ArgsOf<O, P>> {
  return { ...spec, options: spec.options ?? {}, positionals: spec.positionals ?? [] };
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
