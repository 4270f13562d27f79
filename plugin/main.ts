// The `kubectl-promotion` command (kubectl runs it as `kubectl promotion`). This file is only
// the list of commands; each lives in plugin/commands/<name>/ and the command line around them
// in plugin/cli.ts. To add a command, import its module and add it to COMMANDS.
import { hideBin } from 'yargs/helpers';
import { runCli, type AnyCommand } from './cli.ts';
import { processIo } from './command.ts';
import approve from './commands/approve/index.ts';
import gates from './commands/gates/index.ts';
import get from './commands/get/index.ts';
import lint from './commands/lint/index.ts';
import list from './commands/list/index.ts';
import revoke from './commands/revoke/index.ts';
import status from './commands/status/index.ts';
import simulate from './commands/simulate/index.ts';
import version from './commands/version/index.ts';

const COMMANDS: readonly AnyCommand[] = [
  approve,
  gates,
  get,
  lint,
  list,
  revoke,
  simulate,
  status,
  version,
];

process.exitCode = await runCli(hideBin(process.argv), COMMANDS, processIo());
