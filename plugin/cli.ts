// The command line around the commands: which command the line names, its options read by
// plugin/parse.ts, help, and one handler for whatever goes wrong (plugin/errors.ts). Returns the
// exit code instead of exiting.
import { defaultColor, type CommandSpec, type Io } from './command.ts';
import { reportError } from './errors.ts';
import { type Listed, parseCommandLine, requestOf } from './parse.ts';

export { SCRIPT_NAME } from './command.ts';

// A heterogeneous list: each command knows its own argument type.
// biome-ignore lint/suspicious/noExplicitAny: each command narrows its own argument type
export type AnyCommand = CommandSpec<any>;

/** Runs the line with these commands, all loaded (tests, completion). */
export function runCli(args: readonly string[], commands: readonly AnyCommand[], io: Io): Promise<number> {
  return runLine(args, commands, async (name) => commands.find((c) => c.name === name)!, io);
}

/**
 * Runs the line: `commands` are known by name and description, and only the one the line names is
 * loaded (plugin/registry.ts), so that a short command does not pay for the others.
 */
export async function runLine(
  args: readonly string[],
  commands: readonly Listed[],
  load: (name: string) => Promise<AnyCommand>,
  io: Io,
): Promise<number> {
  try {
    const columns = io.stdout.isTTY ? (io.stdout as { columns?: number }).columns : undefined;
    const request = requestOf(args, commands);
    if (request.kind === 'version') {
      const { printVersion } = await import('./commands/version/print.ts');
      return printVersion('text', io);
    }
    if (request.kind === 'help') {
      const { commandHelp, programHelp } = await import('./help.ts');
      const known = request.command !== undefined && commands.some((c) => c.name === request.command);
      io.stdout.write(known ? commandHelp(await load(request.command!), columns) : programHelp(commands, columns));
      return 0;
    }
    const command = await load(request.command);
    const parsed = parseCommandLine(args, request.commandIndex, command);
    delete parsed['help'];
    delete parsed['version'];
    parsed['color'] ??= defaultColor(io);
    return await command.run(parsed, io);
  } catch (e) {
    return reportError(e, io.stderr, io.env);
  }
}
