// The command line around the commands: yargs in strict mode, the global options, and one
// handler for whatever goes wrong (plugin/errors.ts). Returns the exit code instead of exiting.
import yargs from 'yargs';
import { defaultColor, joinStdinValues, SCRIPT_NAME, type CommandSpec, type GlobalArgs, type Io } from './command.ts';
import { EXIT_OK, reportError, UsageError } from './errors.ts';

export { joinStdinValues, SCRIPT_NAME };

// A heterogeneous list: each command knows its own argument type.
// biome-ignore lint/suspicious/noExplicitAny: each command narrows its own argument type
export type AnyCommand = CommandSpec<any>;

export async function runCli(rawArgs: readonly string[], commands: readonly AnyCommand[], io: Io): Promise<number> {
  const args = joinStdinValues(rawArgs);
  let exitCode = EXIT_OK;
  let ran = false;
  const failure: { error?: unknown } = {};
  const names = commands.map((c) => c.command.split(' ')[0]).join(', ');
  const cli = yargs([...args])
    .scriptName(SCRIPT_NAME)
    .usage(
      `Usage: ${SCRIPT_NAME} <command> [options]\n\nWatch, approve and rehearse Sveltos ClusterPromotion rollouts.`,
    )
    .option('color', {
      type: 'boolean',
      default: defaultColor(io),
      defaultDescription: 'on a terminal, unless NO_COLOR is set',
      describe: 'Color the output (--no-color turns it off)',
      global: true,
    })
    .strict()
    .demandCommand(1, `give a command (${names}); see ${SCRIPT_NAME} --help`)
    .recommendCommands()
    .version(false)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((message, error) => {
      // Commands' own errors are caught in their handler below, so whatever reaches here is a
      // mistake on the command line (seen once per nesting level: pass ours on unchanged).
      if (error instanceof UsageError) throw error;
      let text = message ?? error?.message ?? 'invalid command line';
      if (/^Did you mean/.test(text)) text = `unknown command "${args.find((a) => !a.startsWith('-'))}". ${text}`;
      throw new UsageError(`${text} (see ${SCRIPT_NAME} --help)`);
    });
  for (const c of commands) {
    cli.command(
      c.command,
      c.describe,
      (y) => c.builder(y as never),
      async (argv) => {
        ran = true;
        try {
          exitCode = await c.run(argv as unknown as GlobalArgs, io);
        } catch (e) {
          failure.error = e;
        }
      },
    );
  }
  try {
    let output = '';
    await cli.parseAsync([...args], {}, (_err, _argv, out) => {
      output = out;
    });
    if ('error' in failure) throw failure.error;
    // Help was asked for: yargs hands it over instead of printing.
    if (!ran && output) io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
    return exitCode;
  } catch (e) {
    return reportError(e, io.stderr, io.env);
  }
}
