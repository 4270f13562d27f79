// Exit codes and the one place that turns an escaping error into what the user sees.
//
//   0  success. lint: no errors (warnings allowed). simulate: the promotion completed.
//   1  bad input or errors found: an unreadable file, bad YAML, input over a limit of
//      src/api/input-limits.ts or not text, a bad flag or command, lint errors. One line
//      `error: ...` on stderr, never a stack trace.
//   2  simulate: the promotion failed (a cluster failed for good).
//   3  simulate: the promotion stopped waiting (for an approval, a window, a health check,
//      or the horizon). status: the rollout waits for a person and --until cannot be reached
//      without one.
//   4  status: --timeout ran out.
//   5  live commands: an API or authentication error (no ClusterPromotion API, RBAC denial,
//      not found, server unreachable after retries).
// 130  interrupted (Ctrl-C) while waiting.
//  70  a bug in kubectl-promotion (EX_SOFTWARE from sysexits.h); the message says how to get
//      the stack trace for a report.
//
// KUBECTL_PROMOTION_DEBUG=1 adds the stack trace to any error.
import { printable } from '../src/printable.ts';
import { UserError } from '../src/user-error.ts';

export { EXIT_OK, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_WAITING, EXIT_INTERNAL } from './exit-codes.ts';
import { EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERNAL } from './exit-codes.ts';

export const DEBUG_ENV = 'KUBECTL_PROMOTION_DEBUG';

/** A mistake on the command line (unknown command or flag, bad flag value). */
export class UsageError extends UserError {
  override name = 'UsageError';
}

/** A user-facing error that ends the command with a particular exit code. */
export class ExitError extends UserError {
  override name = 'ExitError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Errors whose message is meant for the user as it is (bad durations and cron expressions among them). */
function isUserFacing(e: unknown): e is Error {
  return e instanceof UserError;
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
}

export interface ErrorSink {
  write(text: string): unknown;
}

/**
 * Writes the error as one `error: ...` line (plus the stack with KUBECTL_PROMOTION_DEBUG=1) and
 * returns the exit code for it.
 */
export function reportError(e: unknown, stderr: ErrorSink, env: Readonly<Record<string, string | undefined>>): number {
  const debug = env[DEBUG_ENV] === '1' || env[DEBUG_ENV] === 'true';
  // The reader of our output went away (`| head`): nothing to say, nothing went wrong.
  if ((e as NodeJS.ErrnoException | null)?.code === 'EPIPE') return EXIT_OK;
  let code: number;
  if (isUserFacing(e)) {
    stderr.write(`error: ${printable(oneLine(e.message))}\n`);
    code = e instanceof ExitError ? e.exitCode : EXIT_BAD_INPUT;
  } else {
    const message = e instanceof Error ? e.message : String(e);
    const hint = debug ? '' : ` (run again with ${DEBUG_ENV}=1 for details, and please report it)`;
    stderr.write(`error: internal error: ${oneLine(message)}${hint}\n`);
    code = EXIT_INTERNAL;
  }
  if (debug && e instanceof Error && e.stack) stderr.write(`${e.stack}\n`);
  return code;
}
