// The `kubectl-promotion` program (kubectl runs it as `kubectl promotion`): the commands are listed
// in plugin/registry.ts, the command line around them is plugin/cli.ts.
import * as nodeModule from 'node:module';
import { runLine } from './cli.ts';
import { processIo } from './command.ts';
import { COMMANDS, loadAll, loadCommand } from './registry.ts';

// V8 keeps the compiled code of our chunks on disk between runs (in the OS temp folder): a kubectl
// plugin is started over and over, and compiling the Kubernetes client each time costs more than
// running the command.
nodeModule.enableCompileCache?.();

const args = process.argv.slice(2);
const io = processIo();
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 22) {
  io.stderr.write(
    `error: kubectl-promotion needs Node.js 22 or newer; this is ${process.version} (or install the ` +
      `standalone build with krew)\n`,
  );
  process.exit(1);
}
if (args[0] === '__complete') {
  // kubectl_complete-promotion and the completion scripts ask here for the words that may follow.
  const [{ runComplete }, { livePromotions }] = await Promise.all([
    import('./completion/run.ts'),
    import('./completion/promotions.ts'),
  ]);
  process.exitCode = await runComplete(args.slice(1), await loadAll(), io, livePromotions(io.env));
  // A connection to the cluster may still be open; the shell must not wait for it.
  process.exit();
}
process.exitCode = await runLine(args, COMMANDS, loadCommand, io);
