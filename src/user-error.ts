// Errors a user can cause and fix (a missing file, bad YAML, a bad flag value). The command line
// prints their message as one line and exits with the "bad input" code; anything else that
// escapes is a bug in this project and is reported as such.
export class UserError extends Error {
  override name = 'UserError';
}

/** The first line of a message, trimmed: what a one-line report of someone else's error keeps. */
export function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
