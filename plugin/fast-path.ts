// The two command lines people (and `kubectl plugin list`-style checks) run most to see whether the
// plugin works at all, answered without loading the command-line parser: startup within 1.5x of a
// bare `node -e 0`. Anything but these exact forms goes through yargs as usual.
import type { Io } from './command.ts';

// build/build.mjs renders the top-level help once, through yargs itself, and embeds it here.
declare const __KUBECTL_PROMOTION_HELP__: string | undefined;

const VERSION_FORMS = /^version(?: (?:-o|--output)[ =]?(json|text))?$/;

/** Handles `version [-o json|text]` and `--help`; returns the exit code, or null to go on. */
export async function fastPath(args: readonly string[], io: Io): Promise<number | null> {
  const line = args.join(' ');
  const version = VERSION_FORMS.exec(line);
  if (version) {
    const { printVersion } = await import('./commands/version/print.ts');
    return printVersion(version[1] === 'json' ? 'json' : 'text', io);
  }
  // The embedded text is wrapped at 100 columns, as yargs wraps it on a wide or no terminal.
  const wide = !io.stdout.isTTY || (process.stdout.columns ?? 100) >= 100;
  if (
    (line === '--help' || line === '-h') &&
    wide &&
    typeof __KUBECTL_PROMOTION_HELP__ === 'string' &&
    __KUBECTL_PROMOTION_HELP__
  ) {
    io.stdout.write(__KUBECTL_PROMOTION_HELP__);
    return 0;
  }
  return null;
}
